// The event log: list and inspect events (with their actions), fetch the original bytes, replay.
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import type { EventQueries } from '../../events/event-queries.js';
import type { FilterRefs } from '../../events/filter-refs.js';
import type { ReplayService } from '../../events/replay-service.js';
import type { EventFilter } from '../../store/port.js';
import type { EventRecord } from '../../store/records.js';
import { keepExactIntegers } from '../exact-reply.js';
import { actionOut, ActionOut, BulkOut } from './actions.js';
import {
  AUTH_PROBLEMS,
  decodeCursor,
  encodeCursor,
  fieldAt,
  iso,
  isoOrNull,
  JsonAny,
  PageOf,
  StringEnum,
  Timestamp,
  PageQuery,
} from '../schemas.js';

const EVENT_STATUSES = ['pending', 'routed', 'unrouted', 'failed', 'rejected'] as const;

export const EventOut = Type.Object({
  id: Type.String(),
  source: Type.String(),
  type: Type.String(),
  subject: Type.Union([Type.String(), Type.Null()]),
  time: Timestamp,
  status: StringEnum(EVENT_STATUSES),
  contentType: Type.Union([Type.String(), Type.Null()]),
  headers: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  data: JsonAny,
  error: Type.Union([Type.String(), Type.Null()]),
  correlationId: Type.Union([Type.String(), Type.Null()]),
  traceparent: Type.Union([Type.String(), Type.Null()]),
  verifiedBy: Type.Union([Type.String(), Type.Null()], {
    description:
      'How a webhook was verified when it arrived: the type of its source’s verifier then (hmac, standard_webhooks, …; ' +
      'none: accepted without verification). It stays as it was when the source’s verifier changes. Null for events ' +
      'that are not webhooks, for refused webhooks, and for webhooks received before Eventhook kept it.',
  }),
  routedAt: Type.Union([Timestamp, Type.Null()]),
});
const EventDetailOut = Type.Object({ ...EventOut.properties, actions: Type.Array(ActionOut) });

export function eventOut(e: EventRecord): Static<typeof EventOut> {
  return {
    id: e.id,
    source: e.source,
    type: e.type,
    subject: e.subject,
    time: iso(e.time),
    status: e.status,
    contentType: e.contentType,
    headers: e.headers,
    data: e.data,
    error: e.error,
    correlationId: e.correlationId,
    traceparent: e.traceparent,
    verifiedBy: e.verifiedBy,
    routedAt: isoOrNull(e.routedAt),
  };
}

const Params = Type.Object({ org: Type.String() });
const IdParams = Type.Object({ org: Type.String(), id: Type.String() });
const EventFilterFields = {
  source: Type.Optional(
    Type.String({
      description:
        'A source’s slug or id (src_…; a deleted source’s too), or an envelope source with its kind (app:checkout, system:workflows, webhook:github). A slug or id no source has is a 404 (with a hint: a bare checkout may mean app:checkout).',
    }),
  ),
  type: Type.Optional(Type.String()),
  status: Type.Optional(StringEnum(EVENT_STATUSES)),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'Received at or after.' })),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'Received before.' })),
  q: Type.Optional(Type.String({ minLength: 1, description: 'Free text over type, subject and id.' })),
  body: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 256,
      description:
        'Text in the event’s data (its JSON text, e.g. an order id). Reads the events the other filters leave, newest first: narrow it with since and until.',
    }),
  ),
};
const EventListQuery = Type.Object({
  ...EventFilterFields,
  ...PageQuery.properties,
});
const FreshKeys = Type.Optional(
  Type.Boolean({
    description:
      'Use new idempotency keys, so workflows and tasks start again instead of being recognised as repeats.',
  }),
);
const ReplayOneIn = Type.Object({ newIdempotencyKeys: FreshKeys }, { additionalProperties: false });
const ReplayManyIn = Type.Object(
  {
    filter: Type.Optional(
      Type.Object(EventFilterFields, {
        additionalProperties: false,
        description: 'Which events; at least one field, unless all is true.',
      }),
    ),
    all: Type.Optional(
      Type.Boolean({
        description:
          'true: replay every event of the org, system events included (no filter may be given). Without it an empty filter is refused.',
      }),
    ),
    dryRun: Type.Optional(Type.Boolean({ description: 'Only count the events that would be replayed.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 10_000 })),
    newIdempotencyKeys: FreshKeys,
  },
  { additionalProperties: false },
);

/** The store's filter from the query's or the body's; a source that does not exist is refused (404) at its field. */
async function toFilter(
  refs: FilterRefs,
  org: string,
  q: Static<typeof EventListQuery>,
  where: 'query' | 'body',
): Promise<EventFilter> {
  return {
    ...(q.source === undefined ? {} : await refs.source(org, q.source, fieldAt(where, 'source'))),
    type: q.type,
    status: q.status,
    since: q.since ? Date.parse(q.since) : undefined,
    until: q.until ? Date.parse(q.until) : undefined,
    text: q.q,
    dataText: q.body,
  };
}
export const eventRoutes: FastifyPluginAsyncTypebox<{
  queries: EventQueries;
  replay: ReplayService;
}> = async (app, { queries, replay }) => {
  const base = '/api/orgs/:org/eventhook';
  app.get(
    `${base}/events`,
    {
      config: { permission: 'read' },
      schema: {
        tags: ['events'],
        summary: 'List events, newest first',
        params: Params,
        querystring: EventListQuery,
        response: { 200: PageOf(EventOut), ...AUTH_PROBLEMS },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const filter = await toFilter(queries.refs, req.params.org, q, 'query');
      const page = await queries.events(req.params.org, filter, {
        limit: q.limit ?? 50,
        before: decodeCursor(q.cursor, 'event', req.params.org),
      });
      keepExactIntegers(
        reply,
        page.items.map((e) => e.exactIntegers),
      );
      return { items: page.items.map(eventOut), nextCursor: encodeCursor(page.next, req.params.org) };
    },
  );
  app.get(
    `${base}/events/:id`,
    {
      config: { permission: 'read' },
      schema: {
        tags: ['events'],
        summary: 'Get an event with its actions',
        params: IdParams,
        response: { 200: EventDetailOut, ...AUTH_PROBLEMS },
      },
    },
    async (req, reply) => {
      const { event, actions } = await queries.event(req.params.org, req.params.id);
      keepExactIntegers(reply, [event.exactIntegers]);
      return { ...eventOut(event), actions: actions.map(actionOut) };
    },
  );
  app.get(
    `${base}/events/:id/raw`,
    {
      config: { permission: 'read' },
      schema: {
        tags: ['events'],
        summary:
          'The original request body, byte for byte, with its content type (a key carried in the body is redacted)',
        description:
          'Only webhooks keep their request body: a published event, or one Eventhook made, answers 404 EH_EVENT_NO_RAW_BODY.',
        params: IdParams,
        response: { 200: Type.Unknown(), ...AUTH_PROBLEMS },
      },
    },
    async (req, reply) => {
      const raw = await queries.raw(req.params.org, req.params.id);
      return reply
        .type(raw.contentType ?? 'application/octet-stream')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .send(raw.body);
    },
  );
  app.post(
    `${base}/events/replay`,
    {
      config: { permission: 'replay' },
      schema: {
        tags: ['events'],
        summary: 'Replay the events a filter matches through the current rules (dryRun counts them)',
        params: Params,
        body: ReplayManyIn,
        response: { 200: BulkOut, 400: Type.Ref('Problem'), ...AUTH_PROBLEMS },
      },
    },
    async (req) =>
      replay.replayEvents(
        req.params.org,
        await toFilter(queries.refs, req.params.org, req.body.filter ?? {}, 'body'),
        {
          dryRun: req.body.dryRun,
          limit: req.body.limit,
          freshKeys: req.body.newIdempotencyKeys,
          all: req.body.all,
        },
      ),
  );
  app.post(
    `${base}/events/:id/replay`,
    {
      config: { permission: 'replay' },
      schema: {
        tags: ['events'],
        summary: 'Route the event again through the current rules, as new actions',
        params: IdParams,
        body: Type.Optional(ReplayOneIn),
        response: { 202: EventOut, ...AUTH_PROBLEMS },
      },
    },
    async (req, reply) => {
      await replay.replayEvent(req.params.org, req.params.id, { freshKeys: req.body.newIdempotencyKeys });
      return reply.code(202).send(eventOut((await queries.event(req.params.org, req.params.id)).event));
    },
  );
};
