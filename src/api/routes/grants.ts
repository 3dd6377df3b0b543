// Grants: the receiving org lets another org publish into it through event_bus targets (docs/event-bus.md).
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import { SLUG_PATTERN } from '../../core/ids.js';
import type { GrantService } from '../../grants/grant-service.js';
import { MAX_GRANT_EVENT_TYPES } from '../../grants/grant-match.js';
import type { GrantRecord } from '../../store/records.js';
import { AUTH_PROBLEMS, iso, ListPageQuery, OrgParams, PageOf, pageOfList, Timestamp } from '../schemas.js';
import { actorOf } from '../auth.js';
import { expectedVersion, IfMatchHeaders } from '../versioning.js';

const EventTypes = Type.Array(Type.String({ minLength: 1, maxLength: 255 }), {
  minItems: 1,
  maxItems: MAX_GRANT_EVENT_TYPES,
  description:
    'Event types the other org may publish here: exact types (order.created) or prefix patterns (billing.* — every type beginning with billing.). Omitted: every type.',
  examples: [['billing.*', 'order.created']],
});

export const GrantIn = Type.Object(
  {
    fromOrg: Type.String({
      pattern: SLUG_PATTERN,
      description: 'Slug of the org allowed to publish into this one.',
    }),
    eventTypes: Type.Optional(EventTypes),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

// A patch changes what is given and keeps the rest; null eventTypes allows every type again. fromOrg is declared so
// that giving it is refused saying why (EH_GRANT_INVALID at /fromOrg, from the service) rather than as an unknown
// field: it is a grant's field, only not one a change may touch.
export const GrantPatch = Type.Object(
  {
    eventTypes: Type.Optional(
      Type.Union([EventTypes, Type.Null()], {
        description: 'The event types the other org may publish here, as for a new grant; null: every type.',
      }),
    ),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    fromOrg: Type.Optional(
      Type.String({
        description:
          'Cannot be changed: given, the change is refused (400 EH_GRANT_INVALID at /fromOrg). Another org ' +
          'gets a grant of its own.',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const GrantOut = Type.Object(
  {
    id: Type.String({ description: 'grt_…' }),
    fromOrg: Type.String(),
    eventTypes: Type.Union([Type.Array(Type.String()), Type.Null()], {
      description: 'null: every type.',
    }),
    description: Type.String(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Grant' },
);

const GrantParams = Type.Object({
  org: Type.String(),
  grant: Type.String({ description: 'Grant id (grt_…).' }),
});
const tags = ['grants'];

export function grantOut(g: GrantRecord): Static<typeof GrantOut> {
  return {
    id: g.id,
    fromOrg: g.fromOrg,
    eventTypes: g.eventTypes,
    description: g.description,
    createdAt: iso(g.createdAt),
    updatedAt: iso(g.updatedAt),
  };
}

export const grantRoutes: FastifyPluginAsyncTypebox<{ grants: GrantService }> = async (app, { grants }) => {
  const base = '/api/orgs/:org/eventhook/grants';
  app.post(
    base,
    {
      config: { permission: 'write', versioned: true },
      schema: {
        tags,
        summary: 'Let another org publish into this one (event_bus targets)',
        params: OrgParams,
        body: GrantIn,
        response: { 201: GrantOut, 400: Type.Ref('Problem'), ...AUTH_PROBLEMS },
      },
    },
    async (req, reply) =>
      reply.code(201).send(grantOut(await grants.create(req.params.org, req.body, actorOf(req)))),
  );
  app.get(
    base,
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary: 'List the grants this org gave',
        params: OrgParams,
        querystring: ListPageQuery,
        response: { 200: PageOf(GrantOut), ...AUTH_PROBLEMS },
      },
    },
    async (req) =>
      pageOfList(await grants.list(req.params.org), (g) => g.id, req.query, grantOut, {
        kind: 'grant',
        org: req.params.org,
      }),
  );
  app.get(
    `${base}/:grant`,
    {
      config: { permission: 'read', versioned: true },
      schema: {
        tags,
        summary: 'Get a grant',
        params: GrantParams,
        response: { 200: GrantOut, ...AUTH_PROBLEMS },
      },
    },
    async (req) => grantOut(await grants.get(req.params.org, req.params.grant)),
  );
  app.patch(
    `${base}/:grant`,
    {
      config: { permission: 'write', versioned: true },
      schema: {
        tags,
        summary: 'Change a grant’s event types or description (partial; the next publication meets it)',
        description:
          'Omitted fields keep their value; eventTypes null allows every type. fromOrg cannot be changed (400 ' +
          'EH_GRANT_INVALID). Grants are read when an action publishes, so the next publication from that org is ' +
          'checked against the change: a type no longer allowed is refused (EH_GRANT_REQUIRED) as it is without ' +
          'a grant. 409 EH_CONCURRENT_CHANGE when the grant changed or was deleted while this change was saved; ' +
          '412 EH_VERSION_MISMATCH when If-Match names a version the grant is no longer at.',
        params: GrantParams,
        headers: IfMatchHeaders,
        body: GrantPatch,
        response: {
          200: GrantOut,
          400: Type.Ref('Problem'),
          409: Type.Ref('Problem'),
          412: Type.Ref('Problem'),
          ...AUTH_PROBLEMS,
        },
      },
    },
    async (req) =>
      grantOut(
        await grants.update(req.params.org, req.params.grant, req.body, actorOf(req), expectedVersion(req)),
      ),
  );
  app.delete(
    `${base}/:grant`,
    {
      config: { permission: 'write' },
      schema: {
        tags,
        summary: 'Take a grant back (the next publication from that org is refused)',
        params: GrantParams,
        headers: IfMatchHeaders,
        response: { 204: Type.Null(), 400: Type.Ref('Problem'), 412: Type.Ref('Problem'), ...AUTH_PROBLEMS },
      },
    },
    async (req, reply) => {
      await grants.delete(req.params.org, req.params.grant, actorOf(req), expectedVersion(req));
      return reply.code(204).send(null);
    },
  );
};
