// Sources: create, list, get, update, delete (soft), rotate the secret; and the provider catalogue.
import {
  Type,
  type FastifyPluginAsyncTypebox,
  type Static,
  type TSchema,
} from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { unexpired, type Clock } from '../../core/clock.js';
import { invalid } from '../../core/errors.js';
import { idTime } from '../../core/ids.js';
import { listProviders, summarizeProvider } from '../../ingest/providers/index.js';
import type { IngestService } from '../../ingest/ingest-service.js';
import { ACTIVITY_CAP, sourceSecretChooser, type SourceService } from '../../ingest/source-service.js';
import { publicSettings, type StoredSourceSettings } from '../../ingest/secret-options.js';
import { SourceSettingsSchema } from '../../ingest/source-settings.js';
import type { SourceRecord } from '../../store/records.js';
import {
  AUTH_PROBLEMS,
  DeletableListQuery,
  PageOf,
  pageOfList,
  iso,
  isoOrNull,
  Slug,
  Timestamp,
} from '../schemas.js';
import { actorOf } from '../auth.js';
import { expectedVersion, IfMatchHeaders } from '../versioning.js';

const VerifierIn = Type.Object(
  {
    type: Type.String({
      description:
        'hmac, standard_webhooks, ed25519, ecdsa, api_key, basic_auth, token, jwt or none (docs/providers.md).',
    }),
  },
  { additionalProperties: true, description: 'A hand-configured verifier, including its secret field.' },
);
const SourceFields = {
  slug: Slug,
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  enabled: Type.Optional(Type.Boolean()),
  provider: Type.Optional(
    Type.String({ description: 'A provider template id (GET /providers), or "custom".' }),
  ),
  secret: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 10_000,
      description:
        'Never returned. On create, generated when omitted where you choose it (secretChosenBy user), and ' +
        'returned once as generatedSecret; required where the provider issues it. On PATCH, a changed verifier ' +
        'without one keeps the secret verifying now, or drops it for a verifier that takes none (such as none); ' +
        'a PATCH never generates one (it would show nowhere): give it, or use rotate-secret.',
    }),
  ),
  verifier: Type.Optional(VerifierIn),
  ...SourceSettingsSchema.properties,
};
export const SourceIn = Type.Object(SourceFields, { additionalProperties: false });
// In a patch, null removes a setting (an IP allow-list, a rate limit, a custom response …). Bodies are validated
// without type coercion (src/api/validation.ts), so null is never turned into [""] or 0 by the other branch.
const P = SourceSettingsSchema.properties;
const orNull = <T extends TSchema>(t: T) => Type.Optional(Type.Union([Type.Null(), Type.Optional(t, false)]));
const SettingsPatchFields = {
  options: orNull(P.options),
  idempotencyKeys: orNull(P.idempotencyKeys),
  dedupWindowSeconds: orNull(P.dedupWindowSeconds),
  eventType: orNull(P.eventType),
  bodyLimit: orNull(P.bodyLimit),
  rateLimit: orNull(P.rateLimit),
  ipAllowList: orNull(P.ipAllowList),
  storeRejected: orNull(P.storeRejected),
  response: orNull(P.response),
} satisfies Record<keyof typeof P, unknown>;
const SourcePatch = Type.Partial(Type.Object({ ...SourceFields, ...SettingsPatchFields }), {
  additionalProperties: false,
  minProperties: 1,
});
const SecretChosenBy = (description: string) =>
  Type.Union([Type.Literal('user'), Type.Literal('provider'), Type.Null()], { description });
const SourceOut = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  description: Type.String(),
  enabled: Type.Boolean(),
  provider: Type.Union([Type.String(), Type.Null()]),
  verifier: Type.Unknown({ description: 'The verifier configuration, without its secret.' }),
  secrets: Type.Array(
    Type.Object({ id: Type.String(), createdAt: Timestamp, expiresAt: Type.Union([Timestamp, Type.Null()]) }),
    { description: 'Secret metadata only (values are never returned), of the secrets that still verify.' },
  ),
  secretChosenBy: SecretChosenBy(
    'Who chooses the secret: user (you type it into the provider, so rotate-secret may generate one) or provider ' +
      '(the provider issues it: rotate-secret needs the new one it shows); null when the verifier takes none.',
  ),
  ...Type.Partial(SourceSettingsSchema).properties,
  secretOptions: Type.Array(Type.String(), {
    description:
      'Secret options that are set (e.g. Meta verifyToken). Their values are never returned; an options update ' +
      'that leaves one out keeps it, and null removes it.',
  }),
  ingestUrl: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Type.Union([Timestamp, Type.Null()]),
});
const SourceDetailOut = Type.Object({
  ...SourceOut.properties,
  activity: Type.Object(
    {
      lastEvent: Type.Union([
        Type.Object({
          id: Type.String(),
          type: Type.String(),
          status: Type.String({ description: 'rejected when the source keeps refused requests' }),
          receivedAt: Timestamp,
        }),
        Type.Null(),
      ]),
      eventsLast24h: Type.Integer({ description: `Events stored from the source in the last 24 h.` }),
      eventsLast24hCapped: Type.Boolean({
        description: `True when there were more than eventsLast24h (counting stops at ${ACTIVITY_CAP}).`,
      }),
    },
    { description: 'Is the provider sending, and is it getting through?' },
  ),
});
const SourceCreatedOut = Type.Object({
  ...SourceOut.properties,
  generatedSecret: Type.Optional(
    Type.String({ description: 'Present when Eventhook chose the secret; shown only here.' }),
  ),
});
const SourceRotatedOut = Type.Object({
  ...SourceCreatedOut.properties,
  rotated: Type.Boolean({
    description:
      'False when the secret given is the one that already verifies (the newest, with no end): nothing was changed.',
  }),
});
const RotateIn = Type.Object(
  {
    secret: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 10_000,
        description:
          'The new secret; generated when omitted where you choose it (secretChosenBy user). Required where the ' +
          'provider issues it (secretChosenBy provider): 400 EH_SOURCE_SECRET_REQUIRED without it.',
      }),
    ),
    graceSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 30 * 86_400,
        default: 86_400,
        description: 'How long the previous secrets keep verifying.',
      }),
    ),
  },
  { additionalProperties: false },
);
const SourceTestIn = Type.Object(
  {
    headers: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'The request headers as the provider sent them.',
      }),
    ),
    body: Type.Optional(Type.String({ description: 'The raw body, exactly as sent (UTF-8).' })),
    bodyBase64: Type.Optional(
      Type.String({ description: 'The raw body in base64, for bytes that are not UTF-8.' }),
    ),
    method: Type.Optional(Type.String({ default: 'POST' })),
    url: Type.Optional(
      Type.String({
        description: 'The URL the provider called (for URL-signing providers); default the ingest URL.',
      }),
    ),
  },
  { additionalProperties: false },
);
const SourceTestOut = Type.Object({
  verified: Type.Boolean(),
  verifierType: Type.String(),
  reason: Type.Optional(
    Type.String({
      description:
        'Why verification failed: missing_signature, bad_encoding, stale_timestamp, no_matching_signature, …',
    }),
  ),
  detail: Type.Optional(Type.String()),
  eventType: Type.Optional(Type.String()),
  subject: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  idempotencyKey: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  parseError: Type.Optional(Type.String()),
});
const ProviderOut = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  docsUrl: Type.String(),
  verifierType: Type.String(),
  requiredFields: Type.Array(Type.String(), {
    description:
      'What a source of this provider must be created with: secret is the source’s own field, every other name a ' +
      'key of its options ({"provider": "square", "secret": "…", "options": {"notificationUrl": "…"}}).',
  }),
  optionalFields: Type.Array(Type.String(), {
    description:
      'Options a source of this provider may set, under options (toleranceSeconds, legacySha1, …).',
  }),
  secretChosenBy: SecretChosenBy(
    'Who chooses the secret: user (you pick it and type it into the provider; Eventhook may generate it) or ' +
      'provider (the provider issues it and shows it: paste it, also when rotating); null: no secret. Jira in ' +
      'mode connect: provider.',
  ),
  secretOptions: Type.Array(Type.String(), {
    description: 'Options that are secrets: sealed at rest and never returned, like the secret.',
  }),
  setupHints: Type.Array(Type.String()),
  idempotencyKeys: Type.Array(Type.String()),
  replayKey: Type.Union([Type.String(), Type.Null()], {
    description:
      'A request carrying a value at this path already used for another event is refused as a replay (Mailgun’s signature token).',
  }),
  handshake: Type.Union([Type.String(), Type.Null()]),
});

const Params = Type.Object({ org: Type.String() });
const SourceParams = Type.Object({ org: Type.String(), source: Type.String() });
const tags = ['sources'];

export interface SourceRouteOptions {
  sources: SourceService;
  ingest: IngestService;
  publicUrl: string | undefined;
  /** Secrets that expired (after a rotation's grace) are not shown: they verify nothing. */
  clock: Clock;
}

export function ingestUrl(
  req: FastifyRequest,
  publicUrl: string | undefined,
  org: string,
  slug: string,
): string {
  const base = publicUrl ?? `${req.protocol}://${req.host}`;
  return `${base}/api/orgs/${org}/eventhook/in/${slug}`;
}

export const sourceRoutes: FastifyPluginAsyncTypebox<SourceRouteOptions> = async (
  app,
  { sources, ingest, publicUrl, clock },
) => {
  const base = '/api/orgs/:org/eventhook';
  const out = (req: FastifyRequest, s: SourceRecord): Static<typeof SourceOut> => {
    const { settings, secretOptions } = publicSettings(s.settings as StoredSourceSettings, s.provider);
    return {
      id: s.id,
      slug: s.slug,
      name: s.name,
      description: s.description,
      enabled: s.enabled,
      provider: s.provider,
      verifier: s.verifier,
      secrets: unexpired(s.secrets, clock.now()).map((x) => ({
        id: x.id,
        createdAt: iso(x.createdAt),
        expiresAt: isoOrNull(x.expiresAt),
      })),
      secretChosenBy: sourceSecretChooser(s),
      ...settings,
      secretOptions,
      ingestUrl: ingestUrl(req, publicUrl, s.org, s.slug),
      createdAt: iso(s.createdAt),
      updatedAt: iso(s.updatedAt),
      deletedAt: isoOrNull(s.deletedAt),
    };
  };

  app.get(
    `${base}/providers`,
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary: 'Provider templates with required fields and setup hints',
        params: Params,
        response: { 200: Type.Object({ items: Type.Array(ProviderOut) }), ...AUTH_PROBLEMS },
      },
    },
    async () => ({ items: listProviders().map(summarizeProvider) }),
  );
  app.post(
    `${base}/sources`,
    {
      config: { permission: 'write', versioned: true },
      schema: {
        tags,
        summary: 'Create a source',
        params: Params,
        body: SourceIn,
        response: {
          201: SourceCreatedOut,
          400: Type.Ref('Problem'),
          409: Type.Ref('Problem'),
          ...AUTH_PROBLEMS,
        },
      },
    },
    async (req, reply) => {
      const { record, generatedSecret } = await sources.create(req.params.org, req.body, actorOf(req));
      return reply.code(201).send({ ...out(req, record), ...(generatedSecret ? { generatedSecret } : {}) });
    },
  );
  app.get(
    `${base}/sources`,
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary: 'List sources',
        params: Params,
        querystring: DeletableListQuery,
        response: { 200: PageOf(SourceOut), ...AUTH_PROBLEMS },
      },
    },
    async (req) => {
      const all = await sources.list(req.params.org, { includeDeleted: req.query.includeDeleted });
      return pageOfList(
        all,
        (s) => s.id,
        req.query,
        (s) => out(req, s),
        { kind: 'source', org: req.params.org },
      );
    },
  );
  app.get(
    `${base}/sources/:source`,
    {
      config: { permission: 'read', versioned: true },
      schema: {
        tags,
        summary: 'Get a source, with its activity: the newest event and the count of the last 24 h',
        params: SourceParams,
        response: { 200: SourceDetailOut, ...AUTH_PROBLEMS },
      },
    },
    async (req) => {
      const record = await sources.get(req.params.org, req.params.source);
      const { last, recent, capped } = await sources.activity(record);
      return {
        ...out(req, record),
        activity: {
          lastEvent: last && { ...last, receivedAt: iso(idTime(last.id)) },
          eventsLast24h: recent,
          eventsLast24hCapped: capped,
        },
      };
    },
  );
  app.patch(
    `${base}/sources/:source`,
    {
      config: { permission: 'write', versioned: true },
      schema: {
        tags,
        summary: 'Update a source (partial)',
        params: SourceParams,
        headers: IfMatchHeaders,
        body: SourcePatch,
        response: {
          200: SourceOut,
          400: Type.Ref('Problem'),
          409: Type.Ref('Problem'),
          412: Type.Ref('Problem'),
          ...AUTH_PROBLEMS,
        },
      },
    },
    async (req) =>
      out(
        req,
        await sources.update(req.params.org, req.params.source, req.body, actorOf(req), expectedVersion(req)),
      ),
  );
  app.delete(
    `${base}/sources/:source`,
    {
      config: { permission: 'write' },
      schema: {
        tags,
        summary: 'Delete a source (its events stay readable)',
        params: SourceParams,
        headers: IfMatchHeaders,
        response: { 204: Type.Null(), 400: Type.Ref('Problem'), 412: Type.Ref('Problem'), ...AUTH_PROBLEMS },
      },
    },
    async (req, reply) => {
      await sources.delete(req.params.org, req.params.source, actorOf(req), expectedVersion(req));
      return reply.code(204).send(null);
    },
  );
  app.post(
    `${base}/sources/:source/rotate-secret`,
    {
      config: { permission: 'write', versioned: true },
      schema: {
        tags,
        summary: 'Add a new secret; the old ones verify until the grace period ends',
        params: SourceParams,
        body: Type.Optional(RotateIn),
        response: { 200: SourceRotatedOut, 400: Type.Ref('Problem'), ...AUTH_PROBLEMS },
      },
    },
    async (req) => {
      const { record, generatedSecret, unchanged } = await sources.rotateSecret(
        req.params.org,
        req.params.source,
        {
          secret: req.body.secret,
          graceMs: req.body.graceSeconds === undefined ? undefined : req.body.graceSeconds * 1000,
        },
        actorOf(req),
      );
      return {
        ...out(req, record),
        ...(generatedSecret ? { generatedSecret } : {}),
        rotated: unchanged !== true,
      };
    },
  );
  app.post(
    `${base}/sources/:source/test`,
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary: 'Check whether a sample request verifies, and why not; nothing is stored',
        params: SourceParams,
        body: SourceTestIn,
        response: { 200: SourceTestOut, 400: Type.Ref('Problem'), ...AUTH_PROBLEMS },
      },
    },
    async (req) => {
      const b = req.body;
      const url = b.url ?? ingestUrl(req, publicUrl, req.params.org, req.params.source);
      if (!URL.canParse(url)) throw invalid([{ path: '/url', message: 'must be an absolute URL' }]);
      const parsed = new URL(url);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(b.headers ?? {})) headers[k.toLowerCase()] = v;
      const query: Record<string, string | string[]> = {};
      for (const [k, v] of parsed.searchParams)
        query[k] = k in query ? [...([] as string[]).concat(query[k]!), v] : v;
      return ingest.test(req.params.org, req.params.source, {
        method: (b.method ?? 'POST').toUpperCase(),
        url,
        path: parsed.pathname,
        query,
        headers,
        rawBody:
          b.bodyBase64 !== undefined
            ? Buffer.from(b.bodyBase64, 'base64')
            : Buffer.from(b.body ?? '', 'utf8'),
      });
    },
  );
};
