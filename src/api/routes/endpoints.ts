// Endpoints: create, list, get (with health), update, delete (soft), rotate the signing secret, enable.
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import { AUTH_TYPES, redactHeaders } from '../../delivery/endpoint-auth.js';
import { endpointState, type EndpointHealth } from '../../delivery/endpoint-health.js';
import type { EndpointProbe } from '../../delivery/endpoint-probe.js';
import { retryToPolicy } from '../../delivery/endpoint-input.js';
import type { EndpointService } from '../../delivery/endpoint-service.js';
import type { GeneratedSecret } from '../../delivery/endpoint-secrets.js';
import { unexpired, type Clock } from '../../core/clock.js';
import { REDACTED } from '../../core/envelope.js';
import { EventhookError } from '../../core/errors.js';
import type { EndpointRecord } from '../../store/records.js';
import { RetryPolicy } from '../../targets/target-schema.js';
import {
  AUTH_PROBLEMS,
  DeletableListQuery,
  PageOf,
  pageOfList,
  iso,
  isoOrNull,
  Slug,
  StringEnum,
  Timestamp,
} from '../schemas.js';
import { actorOf } from '../auth.js';
import { expectedVersion, IfMatchHeaders } from '../versioning.js';

const STATUSES = ['active', 'paused', 'disabled'] as const;
const Str = (description?: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength: 4096, ...(description ? { description } : {}) }));
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const AuthIn = Type.Object(
  {
    type: StringEnum(AUTH_TYPES),
    username: Str('basic'),
    password: Str('basic; never returned'),
    token: Str('bearer; never returned'),
    header: Str('api_key: the header name'),
    value: Str('api_key; never returned'),
    tokenUrl: Str('oauth2_client_credentials'),
    clientId: Str('oauth2_client_credentials'),
    clientSecret: Str('oauth2_client_credentials; never returned'),
    scope: Str('oauth2_client_credentials'),
    audience: Str('oauth2_client_credentials'),
    clientAuthMethod: Type.Optional(StringEnum(['client_secret_basic', 'client_secret_post'] as const)),
  },
  {
    additionalProperties: false,
    description:
      'How Eventhook authenticates to the endpoint, besides the signature. Credentials are sealed and never returned.',
  },
);

const SettableFields = {
  url: Type.String({
    minLength: 1,
    maxLength: 2048,
    description:
      'http or https URL. Private, loopback and metadata addresses are refused unless EVENTHOOK_OUTBOUND_ALLOW opens them.',
  }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  headers: Type.Optional(
    Type.Record(Type.String(), Type.String({ maxLength: 4096 }), {
      description:
        'Sent with every delivery, stored as given and shown to every member (values of credential-looking names masked). Credentials belong in secretHeaders or auth.',
    }),
  ),
  secretHeaders: Type.Optional(
    Type.Record(Type.String(), Type.String({ maxLength: 4096 }), {
      description:
        'Headers whose values are credentials: sent with every delivery, sealed at rest, never returned (shown as the name with the value [redacted]) and redacted from recorded attempts. The whole map is replaced on update; a value of [redacted] keeps the stored value of that name, and a name left out is removed. A name may not also be in headers.',
    }),
  ),
  auth: Type.Optional(AuthIn),
  headerStyle: Type.Optional(
    StringEnum(['webhook', 'svix'] as const, {
      description: 'webhook-* (Standard Webhooks, default) or svix-* header names.',
    }),
  ),
  timeoutMs: Type.Optional(
    Nullable(
      Type.Integer({
        minimum: 100,
        maximum: 120_000,
        description:
          'Per attempt, all included. Omitted (or null): the deployment’s default, EVENTHOOK_DELIVERY_TIMEOUT (15000 unless set), as it is at each delivery.',
      }),
    ),
  ),
  rateLimit: Type.Optional(
    Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 100_000, description: 'Deliveries per second.' })),
  ),
  maxConcurrency: Type.Optional(
    Nullable(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Deliveries in flight at once.' })),
  ),
  ordering: Type.Optional(
    StringEnum(['none', 'fifo'] as const, {
      description: 'fifo: a message waits until the one before it succeeded or died.',
    }),
  ),
  orderingKey: Type.Optional(
    Nullable(
      Type.String({
        minLength: 1,
        maxLength: 1000,
        description: 'JMESPath over the envelope: FIFO per value instead of per endpoint.',
      }),
    ),
  ),
  retry: Type.Optional(Nullable(RetryPolicy)),
  status: Type.Optional(StringEnum(STATUSES)),
};
/** A new endpoint as POST /endpoints takes it (apply converts `${VAR}` text with it too). */
export const EndpointIn = Type.Object(
  {
    slug: Slug,
    ...SettableFields,
    secrets: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        minItems: 1,
        maxItems: 10,
        description: 'whsec_ (HMAC) or whsk_ (Ed25519) secrets. Omitted: one is generated and returned once.',
      }),
    ),
    secretKind: Type.Optional(
      StringEnum(['hmac', 'ed25519'] as const, {
        description: 'The kind of secret to generate when none is given.',
      }),
    ),
  },
  { additionalProperties: false },
);
const EndpointPatch = Type.Partial(Type.Object(SettableFields), {
  additionalProperties: false,
  minProperties: 1,
});
const RotateIn = Type.Object(
  {
    secret: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'The new secret; generated when omitted.' }),
    ),
    kind: Type.Optional(
      StringEnum(['hmac', 'ed25519'] as const, { description: 'The kind of secret to generate.' }),
    ),
    graceSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 30 * 86_400,
        default: 86_400,
        description: 'How long the current secrets keep signing.',
      }),
    ),
  },
  { additionalProperties: false },
);

const STATES = ['healthy', 'failing', 'circuit_open', 'half_open', 'paused', 'disabled'] as const;
const EndpointOut = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  url: Type.String(),
  description: Type.String(),
  headers: Type.Record(Type.String(), Type.String()),
  secretHeaders: Type.Record(Type.String(), Type.Literal(REDACTED), {
    description: 'The names of the secret headers; their values are never returned.',
  }),
  auth: Type.Object(
    { type: Type.String() },
    { additionalProperties: Type.String(), description: 'The auth type and its non-secret fields.' },
  ),
  secrets: Type.Array(
    Type.Object({
      id: Type.String(),
      kind: StringEnum(['hmac', 'ed25519'] as const),
      publicKey: Nullable(
        Type.String({
          description: 'whpk_… for Ed25519 secrets: what receivers verify v1a signatures with.',
        }),
      ),
      createdAt: Timestamp,
      expiresAt: Nullable(Timestamp),
    }),
    {
      description:
        'Secret metadata only (values are never returned after creation), of the secrets that still sign.',
    },
  ),
  headerStyle: Type.String(),
  timeoutMs: Type.Integer({
    description:
      'The timeout of each attempt: the endpoint’s own, or the deployment’s default (timeoutDefault).',
  }),
  timeoutDefault: Type.Boolean({
    description:
      'true: the endpoint sets no timeoutMs, so the deployment’s EVENTHOOK_DELIVERY_TIMEOUT applies and follows it when it changes.',
  }),
  rateLimit: Nullable(Type.Number()),
  maxConcurrency: Nullable(Type.Integer()),
  ordering: Type.String(),
  orderingKey: Nullable(Type.String()),
  retry: Nullable(RetryPolicy),
  status: StringEnum(STATUSES),
  state: StringEnum(STATES, {
    description:
      'paused or disabled (the status), else what the circuit breaker says: healthy, failing (failures in a row), circuit_open or half_open. The same as health.state.',
  }),
  disabledReason: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Nullable(Timestamp),
});
const HealthOut = Type.Object({
  state: StringEnum(STATES),
  consecutiveFailures: Type.Integer(),
  failingSince: Nullable(Timestamp),
  openUntil: Nullable(Timestamp),
  windowSeconds: Type.Integer(),
  attempts: Type.Integer({ description: 'Attempts in the window (the latest 1000 at most).' }),
  successRate: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
  latencyMs: Nullable(Type.Object({ p50: Type.Number(), p90: Type.Number(), p99: Type.Number() })),
  queue: Type.Object({
    pending: Type.Integer(),
    inFlight: Type.Integer(),
    failed: Type.Integer(),
    dead: Type.Integer(),
    depth: Type.Integer({ description: 'pending + inFlight + failed' }),
  }),
});
const EndpointDetailOut = Type.Object({ ...EndpointOut.properties, health: HealthOut });
const EndpointCreatedOut = Type.Object({
  ...EndpointOut.properties,
  secret: Type.Optional(
    Type.String({ description: 'The secret Eventhook generated; shown only in this response.' }),
  ),
  publicKey: Type.Optional(Type.String({ description: 'whpk_… of a generated Ed25519 secret.' })),
});

const EndpointRotatedOut = Type.Object({
  ...EndpointCreatedOut.properties,
  rotated: Type.Boolean({
    description:
      'False when the secret given is the one that already signs (the newest, with no end): nothing was changed.',
  }),
});

type Out = Static<typeof EndpointOut>;

/** An endpoint as the API shows it at `now`: secrets that expired after a rotation's grace sign nothing and are left out. */
export function endpointOut(e: EndpointRecord, now: number, defaultTimeoutMs: number): Out {
  return {
    id: e.id,
    slug: e.slug,
    url: e.url,
    description: e.description,
    // Values of credential-looking headers are never shown back (members may read endpoints).
    headers: redactHeaders(e.headers),
    secretHeaders: Object.fromEntries(Object.keys(e.secretHeaders).map((name) => [name, REDACTED])),
    auth: e.auth === null ? { type: 'none' } : { ...e.auth.info, type: e.auth.type },
    secrets: unexpired(e.secrets, now).map((s) => ({
      id: s.id,
      kind: s.publicKey === null ? 'hmac' : 'ed25519',
      publicKey: s.publicKey,
      createdAt: iso(s.createdAt),
      expiresAt: isoOrNull(s.expiresAt),
    })),
    headerStyle: e.headerStyle,
    timeoutMs: e.timeoutMs ?? defaultTimeoutMs,
    timeoutDefault: e.timeoutMs === null,
    rateLimit: e.rateLimit,
    maxConcurrency: e.maxConcurrency,
    ordering: e.ordering,
    orderingKey: e.orderingKey,
    retry: retryToPolicy(e.retry),
    status: e.status,
    state: endpointState(e),
    disabledReason: e.disabledReason,
    createdAt: iso(e.createdAt),
    updatedAt: iso(e.updatedAt),
    deletedAt: isoOrNull(e.deletedAt),
  };
}

function healthOut(h: EndpointHealth): Static<typeof HealthOut> {
  return {
    ...h,
    failingSince: isoOrNull(h.failingSince),
    openUntil: isoOrNull(h.openUntil),
    windowSeconds: Math.round(h.windowMs / 1000),
  };
}

const created = (record: EndpointRecord, secret: GeneratedSecret | undefined, out: Out) => ({
  ...out,
  ...(secret ? { secret: secret.secret, ...(secret.publicKey ? { publicKey: secret.publicKey } : {}) } : {}),
});

const Params = Type.Object({ org: Type.String() });
const EndpointParams = Type.Object({ org: Type.String(), endpoint: Type.String() });
const tags = ['endpoints'];
const WRITE_PROBLEMS = { 400: Type.Ref('Problem'), 409: Type.Ref('Problem'), ...AUTH_PROBLEMS };

const ProbeIn = Type.Object(
  {
    type: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'The envelope type; default eventhook.test.',
      }),
    ),
    data: Type.Optional(Type.Unknown({ description: "The envelope's data; default a short message." })),
  },
  { additionalProperties: false },
);

const Headers = Type.Record(Type.String(), Type.String());
const ProbeOut = Type.Object(
  {
    ok: Type.Boolean({ description: 'Whether a delivery answered like this would have succeeded.' }),
    outcome: StringEnum(['succeeded', 'failed', 'gone', 'aborted'] as const, {
      description: 'What a delivery would have recorded: failed is retried, gone and aborted are not.',
    }),
    msgId: Type.String({ description: 'The webhook-id sent (a new one for every test).' }),
    statusCode: Nullable(Type.Integer()),
    latencyMs: Type.Integer(),
    error: Nullable(Type.String({ description: 'Why it would not have succeeded.' })),
    request: Type.Object({
      url: Type.String(),
      headers: Type.Record(Type.String(), Type.String(), { description: 'As sent; credentials redacted.' }),
      body: Type.String({ description: 'The exact bytes signed and sent.' }),
    }),
    response: Nullable(Type.Object({ headers: Headers, body: Type.String(), truncated: Type.Boolean() })),
  },
  { $id: 'EndpointTestResult' },
);

export const endpointRoutes: FastifyPluginAsyncTypebox<{
  endpoints: EndpointService;
  probe: EndpointProbe;
  /** What time it is for the secrets shown (expired ones are left out). */
  clock: Clock;
}> = async (app, { endpoints, probe, clock }) => {
  const base = '/api/orgs/:org/eventhook/endpoints';
  const show = (e: EndpointRecord) => endpointOut(e, clock.now(), endpoints.defaultTimeoutMs);
  app.post(
    base,
    {
      config: { permission: 'write', versioned: true },
      schema: {
        tags,
        summary: 'Create an endpoint (a generated secret is returned once)',
        params: Params,
        body: EndpointIn,
        response: { 201: EndpointCreatedOut, ...WRITE_PROBLEMS },
      },
    },
    async (req, reply) => {
      const { record, secret } = await endpoints.create(req.params.org, req.body, actorOf(req));
      return reply.code(201).send(created(record, secret, show(record)));
    },
  );
  app.get(
    base,
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary: 'List endpoints',
        params: Params,
        querystring: DeletableListQuery,
        response: { 200: PageOf(EndpointOut), ...AUTH_PROBLEMS },
      },
    },
    async (req) => {
      const all = await endpoints.list(req.params.org, { includeDeleted: req.query.includeDeleted });
      return pageOfList(
        all,
        (e) => e.id,
        req.query,
        (e) => show(e),
        { kind: 'endpoint', org: req.params.org },
      );
    },
  );
  app.get(
    `${base}/:endpoint`,
    {
      config: { permission: 'read', versioned: true },
      schema: {
        tags,
        summary: 'Get an endpoint with its health: state, success rate, latency percentiles, queue depth',
        params: EndpointParams,
        response: { 200: EndpointDetailOut, ...AUTH_PROBLEMS },
      },
    },
    async (req) => {
      const record = await endpoints.get(req.params.org, req.params.endpoint);
      return { ...show(record), health: healthOut(await endpoints.health(record)) };
    },
  );
  app.patch(
    `${base}/:endpoint`,
    {
      config: { permission: 'write', versioned: true },
      schema: {
        tags,
        summary: 'Update an endpoint (partial; null clears rateLimit, maxConcurrency, orderingKey, retry)',
        params: EndpointParams,
        headers: IfMatchHeaders,
        body: EndpointPatch,
        response: { 200: EndpointOut, 412: Type.Ref('Problem'), ...WRITE_PROBLEMS },
      },
    },
    async (req) =>
      show(
        await endpoints.update(
          req.params.org,
          req.params.endpoint,
          req.body,
          actorOf(req),
          expectedVersion(req),
        ),
      ),
  );
  app.delete(
    `${base}/:endpoint`,
    {
      config: { permission: 'write' },
      schema: {
        tags,
        summary: 'Delete an endpoint (its actions stay readable; waiting deliveries die)',
        description:
          'Refused with 409 EH_ENDPOINT_IN_USE, naming them, while rules (enabled or not) deliver to the endpoint: change their targets or delete them first. Pausing the endpoint stops its deliveries at once.',
        params: EndpointParams,
        headers: IfMatchHeaders,
        response: {
          204: Type.Null(),
          400: Type.Ref('Problem'),
          409: Type.Ref('Problem'),
          412: Type.Ref('Problem'),
          ...AUTH_PROBLEMS,
        },
      },
    },
    async (req, reply) => {
      await endpoints.delete(req.params.org, req.params.endpoint, actorOf(req), expectedVersion(req));
      return reply.code(204).send(null);
    },
  );
  app.post(
    `${base}/:endpoint/rotate-secret`,
    {
      config: { permission: 'write', versioned: true },
      schema: {
        tags,
        summary: 'Add a signing secret; the current ones keep signing until the grace period ends',
        params: EndpointParams,
        body: Type.Optional(RotateIn),
        response: { 200: EndpointRotatedOut, ...WRITE_PROBLEMS },
      },
    },
    async (req) => {
      const { record, secret, unchanged } = await endpoints.rotateSecret(
        req.params.org,
        req.params.endpoint,
        {
          ...(req.body.secret !== undefined ? { secret: req.body.secret } : {}),
          ...(req.body.kind !== undefined ? { kind: req.body.kind } : {}),
          ...(req.body.graceSeconds !== undefined ? { graceMs: req.body.graceSeconds * 1000 } : {}),
        },
        actorOf(req),
      );
      return { ...created(record, secret, show(record)), rotated: unchanged !== true };
    },
  );
  app.post(
    `${base}/:endpoint/test`,
    {
      config: { permission: 'write' },
      schema: {
        tags,
        summary:
          'Send a signed test message now and answer with what the endpoint said (nothing is recorded; paused endpoints too)',
        params: EndpointParams,
        body: Type.Optional(ProbeIn),
        response: { 200: ProbeOut, ...WRITE_PROBLEMS },
      },
    },
    async (req) => {
      const { org, endpoint } = req.params;
      const result = await probe.send(org, endpoint, {
        ...(req.body.type !== undefined ? { type: req.body.type } : {}),
        ...(req.body.data !== undefined ? { data: req.body.data as never } : {}),
      });
      if (!result) throw new EventhookError('EH_ENDPOINT_NOT_FOUND', { endpoint });
      return result;
    },
  );
  app.post(
    `${base}/:endpoint/enable`,
    {
      config: { permission: 'write', versioned: true },
      schema: {
        tags,
        summary: 'Re-enable a paused or disabled endpoint; its waiting deliveries resume',
        params: EndpointParams,
        response: { 200: EndpointOut, ...AUTH_PROBLEMS },
      },
    },
    async (req) => show(await endpoints.enable(req.params.org, req.params.endpoint, actorOf(req))),
  );
};
