// The audit log: who changed which source, rule, endpoint, grant or API key of the org, when, and which fields.
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import type { AuditLog } from '../../audit/index.js';
import type { AuditEntryRecord, AuditResource } from '../../store/records.js';
import {
  AUTH_PROBLEMS,
  decodeCursor,
  encodeCursor,
  iso,
  isoOrNull,
  OrgParams,
  PageOf,
  PageQuery,
  StringEnum,
  Timestamp,
} from '../schemas.js';

const RESOURCES: readonly AuditResource[] = ['source', 'rule', 'endpoint', 'grant', 'api_key', 'org'];

const Actor = Type.Object(
  {
    kind: StringEnum(['key', 'operator', 'system'] as const),
    id: Type.Optional(Type.String({ description: 'kind key: the key id (key_…).' })),
    name: Type.Optional(Type.String({ description: 'kind key: the key name when the change was made.' })),
    role: Type.Optional(Type.String({ description: 'kind key: the key role when the change was made.' })),
    reason: Type.Optional(Type.String({ description: 'kind system: why Eventhook made the change itself.' })),
  },
  { description: 'Who made the change: a key of the org, the operator token, or Eventhook itself.' },
);

export const AuditEntryOut = Type.Object({
  id: Type.String({ description: 'aud_… (time-ordered).' }),
  at: Timestamp,
  resource: StringEnum(RESOURCES),
  resourceId: Type.String(),
  name: Type.String({
    description:
      "The source's or endpoint's slug, the rule's or key's name, the org a grant lets publish, or the org's own slug (resource org, whose id is its slug too).",
  }),
  action: StringEnum([
    'created',
    'updated',
    'deleted',
    'secret_rotated',
    'enabled',
    'disabled',
    'revoked',
  ] as const),
  fields: Type.Array(Type.String(), {
    description: 'The fields the change set, by name (never their values: several hold secrets).',
  }),
  actor: Actor,
  updatedAt: Type.Union([Timestamp, Type.Null()], {
    description:
      "The resource's updatedAt (its version) after the change; null for a deletion, and for API keys and orgs.",
  }),
});

const AuditQuery = Type.Object({
  resource: Type.Optional(StringEnum(RESOURCES)),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  resourceId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  actorId: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'Only changes made by this API key (key_…).' }),
  ),
  ...PageQuery.properties,
});

function entryOut(e: AuditEntryRecord): Static<typeof AuditEntryOut> {
  return {
    id: e.id,
    at: iso(e.at),
    resource: e.resource,
    resourceId: e.resourceId,
    name: e.name,
    action: e.action,
    fields: e.fields,
    actor: e.actor,
    updatedAt: isoOrNull(e.version),
  };
}

export const auditLogRoutes: FastifyPluginAsyncTypebox<{ log: AuditLog }> = async (app, { log }) => {
  app.get(
    '/api/orgs/:org/eventhook/audit-log',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['audit-log'],
        summary: 'List configuration changes, newest first: who changed what, and when',
        params: OrgParams,
        querystring: AuditQuery,
        response: { 200: PageOf(AuditEntryOut), 400: Type.Ref('Problem'), ...AUTH_PROBLEMS },
      },
    },
    async (req) => {
      const { resource, name, resourceId, actorId, limit, cursor } = req.query;
      const page = await log.page(
        req.params.org,
        { resource, name, resourceId, actorId },
        { limit: limit ?? 50, before: decodeCursor(cursor, 'auditEntry', req.params.org) },
      );
      return { items: page.items.map(entryOut), nextCursor: encodeCursor(page.next, req.params.org) };
    },
  );
};
