// Org management (operator token) and API keys of an org.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AccessService } from '../../access/access-service.js';
import { ROLES } from '../../access/permissions.js';
import type { ApiKeyRecord, OrgRecord } from '../../store/records.js';
import {
  AUTH_PROBLEMS,
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
  { slug: Type.String(), name: Type.String(), createdAt: Timestamp },
  { $id: 'Org' },
);

const Role = StringEnum(ROLES);
const ApiKeyIn = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 255 }), role: Type.Optional(Role) },
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
  },
  { $id: 'ApiKey' },
);
const ApiKeyCreatedOut = Type.Object({
  ...ApiKeyOut.properties,
  key: Type.String({ description: 'The API key. Shown only in this response.' }),
});

const orgOut = (o: OrgRecord) => ({ slug: o.slug, name: o.name, createdAt: iso(o.createdAt) });
const keyOut = (k: ApiKeyRecord) => ({
  id: k.id,
  name: k.name,
  role: k.role,
  prefix: k.prefix,
  createdAt: iso(k.createdAt),
  lastUsedAt: isoOrNull(k.lastUsedAt),
  revokedAt: isoOrNull(k.revokedAt),
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
    async (req, reply) => reply.code(201).send(orgOut(await access.createOrg(req.body.slug, req.body.name))),
  );

  app.get(
    '/api/orgs',
    {
      config: { permission: 'operator' },
      schema: {
        tags: ['orgs'],
        summary: 'List orgs (operator token)',
        querystring: ListPageQuery,
        response: { 200: PageOf(OrgOut), ...AUTH_PROBLEMS },
      },
    },
    async (req) => pageOfList(await access.listOrgs(), (o) => o.slug, req.query, orgOut),
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

  app.post(
    '/api/orgs/:org/api-keys',
    {
      config: { permission: 'write' },
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key (the key is shown once)',
        params: OrgParams,
        body: ApiKeyIn,
        response: { 201: ApiKeyCreatedOut, ...AUTH_PROBLEMS },
      },
    },
    async (req, reply) => {
      const { record, secret } = await access.createApiKey(
        req.params.org,
        req.body.name,
        req.body.role ?? 'admin',
      );
      return reply.code(201).send({ ...keyOut(record), key: secret });
    },
  );

  app.get(
    '/api/orgs/:org/api-keys',
    {
      config: { permission: 'write' },
      schema: {
        tags: ['api-keys'],
        summary: 'List API keys',
        params: OrgParams,
        querystring: ListPageQuery,
        response: { 200: PageOf(ApiKeyOut), ...AUTH_PROBLEMS },
      },
    },
    async (req) => pageOfList(await access.listApiKeys(req.params.org), (k) => k.id, req.query, keyOut),
  );

  app.delete(
    '/api/orgs/:org/api-keys/:key',
    {
      config: { permission: 'write' },
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key',
        params: Type.Object({ org: Type.String(), key: Type.String() }),
        response: { 204: Type.Null(), ...AUTH_PROBLEMS },
      },
    },
    async (req, reply) => {
      await access.revokeApiKey(req.params.org, req.params.key);
      return reply.code(204).send(null);
    },
  );
};
