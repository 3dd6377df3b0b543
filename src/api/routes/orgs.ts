// Org management (operator token), API keys of an org, and who the caller is (GET …/me).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AccessService } from '../../access/access-service.js';
import { PERMISSIONS, permissionsOf, ROLES } from '../../access/permissions.js';
import type { ApiKeyRecord, OrgRecord } from '../../store/records.js';
import { actorOf } from '../auth.js';
import {
  AUTH_PROBLEMS,
  DeletableListQuery,
  ListPageQuery,
  PageOf,
  pageOfList,
  iso,
  isoOrNull,
  OrgParams,
  Slug,
  StringEnum,
  Timestamp,
} from '../schemas.js';

const OrgIn = Type.Object(
  { slug: Slug, name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) },
  { additionalProperties: false },
);
const OrgOut = Type.Object(
  {
    slug: Type.String(),
    name: Type.String(),
    createdAt: Timestamp,
    deletedAt: Type.Union([Timestamp, Type.Null()], {
      description:
        'When the org was deleted; its data is being purged, and the slug is free once that is done.',
    }),
  },
  { $id: 'Org' },
);
const OrgPatch = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 255 }) },
  { additionalProperties: false },
);

const Role = StringEnum(ROLES);
const ExpiresAt = Type.Union([Timestamp, Type.Null()], {
  description: 'When the key stops working (401 EH_AUTH_EXPIRED); null: never.',
});
const ApiKeyIn = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    role: Type.Optional(Role),
    expiresAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'When the key stops working, in the future (RFC 3339). Omitted: never.',
      }),
    ),
  },
  { additionalProperties: false },
);
const ApiKeyOut = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    role: Role,
    prefix: Type.String({ description: 'The first characters of the key, to recognise it.' }),
    createdAt: Timestamp,
    lastUsedAt: Type.Union([Timestamp, Type.Null()]),
    revokedAt: Type.Union([Timestamp, Type.Null()]),
    expiresAt: ExpiresAt,
  },
  { $id: 'ApiKey' },
);
const ApiKeyCreatedOut = Type.Object({
  ...ApiKeyOut.properties,
  key: Type.String({ description: 'The API key. Shown only in this response.' }),
});

/**
 * Who the caller is: the operator token, or a key of the org with its role and what that role may do (derived from
 * src/access/permissions.ts, so a client never keeps a copy of the table). Never the key's secret or its hash; the
 * response schema drops any field it does not name.
 */
const MeOut = Type.Union(
  [
    Type.Object({ kind: Type.Literal('operator') }, { additionalProperties: false }),
    Type.Object(
      {
        kind: Type.Literal('key'),
        org: Type.String(),
        id: Type.String({ description: "The key's id (key_…), as GET …/api-keys lists it." }),
        name: Type.String(),
        role: Role,
        expiresAt: ExpiresAt,
        permissions: Type.Array(StringEnum(PERMISSIONS), {
          description:
            'What this role may do: read, write (change configuration), replay (replay events, retry actions), ' +
            'cancel (engine executions), publish, work (the engine worker API), read-promise, self (this call).',
        }),
      },
      { additionalProperties: false },
    ),
  ],
  { $id: 'Me' },
);

const orgOut = (o: OrgRecord) => ({
  slug: o.slug,
  name: o.name,
  createdAt: iso(o.createdAt),
  deletedAt: isoOrNull(o.deletedAt),
});
const keyOut = (k: ApiKeyRecord) => ({
  id: k.id,
  name: k.name,
  role: k.role,
  prefix: k.prefix,
  createdAt: iso(k.createdAt),
  lastUsedAt: isoOrNull(k.lastUsedAt),
  revokedAt: isoOrNull(k.revokedAt),
  expiresAt: isoOrNull(k.expiresAt),
});

export const orgRoutes: FastifyPluginAsyncTypebox<{ access: AccessService }> = async (app, { access }) => {
  app.post(
    '/api/orgs',
    {
      config: { permission: 'operator' },
      schema: {
        tags: ['orgs'],
        summary: 'Create an org (operator token)',
        body: OrgIn,
        response: { 201: OrgOut, 409: Type.Ref('Problem'), ...AUTH_PROBLEMS },
      },
    },
    async (req, reply) =>
      reply.code(201).send(orgOut(await access.createOrg(req.body.slug, req.body.name, actorOf(req)))),
  );

  app.get(
    '/api/orgs',
    {
      config: { permission: 'operator' },
      schema: {
        tags: ['orgs'],
        summary: 'List orgs (operator token)',
        querystring: DeletableListQuery,
        response: { 200: PageOf(OrgOut), ...AUTH_PROBLEMS },
      },
    },
    async (req) =>
      pageOfList(
        await access.listOrgs({ includeDeleted: req.query.includeDeleted }),
        (o) => o.slug,
        req.query,
        orgOut,
        { kind: 'slug' },
      ),
  );

  app.get(
    '/api/orgs/:org',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['orgs'],
        summary: 'Get an org',
        params: OrgParams,
        response: { 200: OrgOut, ...AUTH_PROBLEMS },
      },
    },
    async (req) => orgOut(await access.getOrg(req.params.org)),
  );

  app.patch(
    '/api/orgs/:org',
    {
      config: { permission: 'operator' },
      schema: {
        tags: ['orgs'],
        summary: 'Rename an org (operator token); its slug, in every URL, stays',
        params: OrgParams,
        body: OrgPatch,
        response: { 200: OrgOut, ...AUTH_PROBLEMS },
      },
    },
    async (req) => orgOut(await access.renameOrg(req.params.org, req.body.name, actorOf(req))),
  );

  app.delete(
    '/api/orgs/:org',
    {
      config: { permission: 'operator' },
      schema: {
        tags: ['orgs'],
        summary: 'Delete an org and all its data (operator token)',
        description:
          'At once the org answers 404, its API keys stop working, its webhooks are refused and nothing more is ' +
          'delivered for it (deliveries already on the wire finish). Its events, deliveries, configuration and audit ' +
          'log are then purged in the background by the processes that run workers; the slug can be taken again ' +
          'once that is done (until then POST /api/orgs answers 409 EH_ORG_BEING_DELETED). Not undone.',
        params: OrgParams,
        response: { 202: OrgOut, ...AUTH_PROBLEMS },
      },
    },
    async (req, reply) => reply.code(202).send(orgOut(await access.deleteOrg(req.params.org))),
  );

  app.get(
    '/api/orgs/:org/me',
    {
      // Every role: a key learns what it may do (the console hides what it may not) and nothing about the org.
      // Beside the org's API keys rather than under /eventhook: a key belongs to the org, as its keys' routes do.
      config: { permission: 'self' },
      schema: {
        tags: ['api-keys'],
        summary: 'Who the caller is: the operator token, or a key of the org with its role and permissions',
        params: OrgParams,
        response: { 200: MeOut, ...AUTH_PROBLEMS },
      },
    },
    async (req) => {
      const principal = req.principal!;
      if (principal.kind === 'operator') return { kind: 'operator' as const };
      const { key } = principal;
      return {
        kind: 'key' as const,
        org: key.org,
        id: key.id,
        name: key.name,
        role: key.role,
        expiresAt: isoOrNull(key.expiresAt),
        permissions: permissionsOf(key.role),
      };
    },
  );

  app.post(
    '/api/orgs/:org/api-keys',
    {
      config: { permission: 'write', forbiddenAction: 'manage API keys' },
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key (the key is shown once)',
        params: OrgParams,
        body: ApiKeyIn,
        response: { 201: ApiKeyCreatedOut, ...AUTH_PROBLEMS },
      },
    },
    async (req, reply) => {
      const principal = req.principal!;
      const { record, secret } = await access.createApiKey(
        req.params.org,
        req.body.name,
        req.body.role ?? 'admin',
        actorOf(req),
        req.body.expiresAt === undefined ? null : Date.parse(req.body.expiresAt),
        principal.kind === 'key' ? principal.key.expiresAt : null,
      );
      return reply.code(201).send({ ...keyOut(record), key: secret });
    },
  );

  app.get(
    '/api/orgs/:org/api-keys',
    {
      config: { permission: 'write', forbiddenAction: 'manage API keys' },
      schema: {
        tags: ['api-keys'],
        summary: 'List API keys',
        params: OrgParams,
        querystring: ListPageQuery,
        response: { 200: PageOf(ApiKeyOut), ...AUTH_PROBLEMS },
      },
    },
    async (req) =>
      pageOfList(await access.listApiKeys(req.params.org), (k) => k.id, req.query, keyOut, {
        kind: 'apiKey',
        org: req.params.org,
      }),
  );

  app.delete(
    '/api/orgs/:org/api-keys/:key',
    {
      config: { permission: 'write', forbiddenAction: 'manage API keys' },
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key',
        params: Type.Object({ org: Type.String(), key: Type.String() }),
        response: { 204: Type.Null(), ...AUTH_PROBLEMS },
      },
    },
    async (req, reply) => {
      await access.revokeApiKey(req.params.org, req.params.key, actorOf(req));
      return reply.code(204).send(null);
    },
  );
};
