// The event log: list and inspect events (with their actions), fetch the original bytes, inspect actions.
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import type { EventQueries } from '../../events/event-queries.js';
import type { SourceId } from '../../core/ids.js';
import type { ActionRecord, AttemptRecord, EventRecord } from '../../store/records.js';
import { AUTH_PROBLEMS, decodeCursor, encodeCursor, iso, isoOrNull, JsonAny, PageOf, StringEnum, Timestamp } from '../schemas.js';

const EVENT_STATUSES = ['pending', 'routed', 'unrouted', 'failed', 'rejected'] as const;
const ACTION_STATUSES = ['pending', 'in_flight', 'succeeded', 'failed', 'dead'] as const;

export const ActionOut = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  ruleId: Type.String(),
  ruleName: Type.String(),
  targetIndex: Type.Integer(),
  targetType: Type.String(),
  target: JsonAny,
  status: StringEnum(ACTION_STATUSES),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  result: JsonAny,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  completedAt: Type.Union([Timestamp, Type.Null()]),
});
const AttemptOut = Type.Object({
  id: Type.String(),
  number: Type.Integer(),
  startedAt: Timestamp,
  latencyMs: Type.Integer(),
  outcome: Type.String(),
  statusCode: Type.Union([Type.Integer(), Type.Null()]),
  request: JsonAny,
  responseHeaders: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  responseBody: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
});
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
  routedAt: Type.Union([Timestamp, Type.Null()]),
});
const EventDetailOut = Type.Object({ ...EventOut.properties, actions: Type.Array(ActionOut) });
const ActionDetailOut = Type.Object({ ...ActionOut.properties, attempts: Type.Array(AttemptOut) });

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
    routedAt: isoOrNull(e.routedAt),
  };
}

export function actionOut(a: ActionRecord): Static<typeof ActionOut> {
  return {
    id: a.id,
    eventId: a.eventId,
    ruleId: a.ruleId,
    ruleName: a.ruleName,
    targetIndex: a.targetIndex,
    targetType: a.targetType,
    target: a.target,
    status: a.status,
    attempts: a.attempts,
    maxAttempts: a.maxAttempts,
    nextAttemptAt: isoOrNull(a.nextAttemptAt),
    lastError: a.lastError,
    result: a.result,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
    completedAt: isoOrNull(a.completedAt),
  };
}

const attemptOut = (a: AttemptRecord): Static<typeof AttemptOut> => ({
  id: a.id,
  number: a.number,
  startedAt: iso(a.startedAt),
  latencyMs: a.latencyMs,
  outcome: a.outcome,
  statusCode: a.statusCode,
  request: a.request,
  responseHeaders: a.responseHeaders,
  responseBody: a.responseBody,
  error: a.error,
});

const Params = Type.Object({ org: Type.String() });
const IdParams = Type.Object({ org: Type.String(), id: Type.String() });
const EventListQuery = Type.Object({
  source: Type.Optional(Type.String({ description: 'Source id (src_…).' })),
  type: Type.Optional(Type.String()),
  status: Type.Optional(StringEnum(EVENT_STATUSES)),
  since: Type.Optional(Type.String({ format: 'date-time' })),
  until: Type.Optional(Type.String({ format: 'date-time' })),
  q: Type.Optional(Type.String({ minLength: 1, description: 'Free text over type, subject and id.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String()),
});
const ActionListQuery = Type.Object({
  event: Type.Optional(Type.String()),
  rule: Type.Optional(Type.String()),
  targetType: Type.Optional(Type.String()),
  status: Type.Optional(StringEnum(ACTION_STATUSES)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String()),
});

export const eventRoutes: FastifyPluginAsyncTypebox<{ queries: EventQueries }> = async (app, { queries }) => {
  const base = '/api/orgs/:org/eventhook';
  app.get(
    `${base}/events`,
    { config: { permission: 'read' }, schema: { tags: ['events'], summary: 'List events, newest first', params: Params, querystring: EventListQuery, response: { 200: PageOf(EventOut), ...AUTH_PROBLEMS } } },
    async (req) => {
      const q = req.query;
      const page = await queries.events(
        req.params.org,
        {
          sourceId: q.source as SourceId | undefined,
          type: q.type,
          status: q.status,
          since: q.since ? Date.parse(q.since) : undefined,
          until: q.until ? Date.parse(q.until) : undefined,
          text: q.q,
        },
        { limit: q.limit ?? 50, before: decodeCursor(q.cursor) },
      );
      return { items: page.items.map(eventOut), nextCursor: encodeCursor(page.next) };
    },
  );
  app.get(
    `${base}/events/:id`,
    { config: { permission: 'read' }, schema: { tags: ['events'], summary: 'Get an event with its actions', params: IdParams, response: { 200: EventDetailOut, ...AUTH_PROBLEMS } } },
    async (req) => {
      const { event, actions } = await queries.event(req.params.org, req.params.id);
      return { ...eventOut(event), actions: actions.map(actionOut) };
    },
  );
  app.get(
    `${base}/events/:id/raw`,
    { config: { permission: 'read' }, schema: { tags: ['events'], summary: 'The original request body, byte for byte, with its content type', params: IdParams, response: { 200: Type.Unknown(), ...AUTH_PROBLEMS } } },
    async (req, reply) => {
      const raw = await queries.raw(req.params.org, req.params.id);
      return reply
        .type(raw.contentType ?? 'application/octet-stream')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .send(raw.body);
    },
  );
  app.get(
    `${base}/actions`,
    { config: { permission: 'read' }, schema: { tags: ['actions'], summary: 'List actions, newest first (status=dead is the dead-letter queue)', params: Params, querystring: ActionListQuery, response: { 200: PageOf(ActionOut), ...AUTH_PROBLEMS } } },
    async (req) => {
      const q = req.query;
      const page = await queries.actions(
        req.params.org,
        { eventId: q.event as never, ruleId: q.rule as never, targetType: q.targetType, status: q.status },
        { limit: q.limit ?? 50, before: decodeCursor(q.cursor) },
      );
      return { items: page.items.map(actionOut), nextCursor: encodeCursor(page.next) };
    },
  );
  app.get(
    `${base}/actions/:id`,
    { config: { permission: 'read' }, schema: { tags: ['actions'], summary: 'Get an action with its attempts', params: IdParams, response: { 200: ActionDetailOut, ...AUTH_PROBLEMS } } },
    async (req) => {
      const { action, attempts } = await queries.action(req.params.org, req.params.id);
      return { ...actionOut(action), attempts: attempts.map(attemptOut) };
    },
  );
};
