// Actions: list (status=dead is the dead-letter queue), inspect with attempts, retry one or many.
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import type { EventQueries } from '../../events/event-queries.js';
import type { FilterRefs } from '../../events/filter-refs.js';
import type { ReplayService } from '../../events/replay-service.js';
import type { ActionFilter } from '../../store/port.js';
import { ACTION_STATUSES, type ActionRecord, type AttemptRecord } from '../../store/records.js';
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

export const ActionOut = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  ruleId: Type.String(),
  ruleName: Type.String(),
  targetIndex: Type.Integer(),
  targetType: Type.String(),
  target: JsonAny,
  status: StringEnum(ACTION_STATUSES),
  attemptCount: Type.Integer({
    description:
      'Attempts made so far, the one under way included (GET /actions/{id} lists them as attempts). Waits do not count.',
  }),
  maxAttempts: Type.Integer(),
  nextAttemptAt: Type.Union([Timestamp, Type.Null()], {
    description: 'When the next attempt is due (pending or failed actions).',
  }),
  lastError: Type.Union([Type.String(), Type.Null()]),
  result: JsonAny,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  completedAt: Type.Union([Timestamp, Type.Null()]),
  endpoint: Type.Union([Type.String(), Type.Null()], {
    description: 'The endpoint slug of a webhook action.',
  }),
  waiting: Type.Union([Type.String(), Type.Null()], {
    description:
      'Why the action waits without using an attempt: endpoint_paused, endpoint_disabled, circuit_open, rate_limited, concurrency, ordering, store_timeout (the store did not answer its target in time), store_unavailable (the database could not be reached, or its disk was full, while its target ran).',
  }),
});
const AttemptOut = Type.Object({
  id: Type.String(),
  number: Type.Integer(),
  startedAt: Timestamp,
  latencyMs: Type.Integer(),
  outcome: Type.String({
    description:
      'succeeded, failed, gone, aborted, or interrupted: the worker stopped (crashed, killed) before the outcome was recorded; the action was then claimed again.',
  }),
  statusCode: Type.Union([Type.Integer(), Type.Null()]),
  request: JsonAny,
  responseHeaders: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  responseBody: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
});
// The list shows how many attempts an action had (attemptCount); only the detail lists them, so `attempts` is always
// the array and never a number.
const ActionDetailOut = Type.Object({
  ...ActionOut.properties,
  attempts: Type.Array(AttemptOut, { description: 'Every recorded attempt, oldest first.' }),
});

const ActionFilterFields = {
  event: Type.Optional(Type.String({ description: 'Event id. One that does not exist is a 404.' })),
  rule: Type.Optional(
    Type.String({
      description:
        'A rule’s id (a deleted rule’s too: its actions remain) or the name of a live rule. One that does not exist is a 404.',
    }),
  ),
  targetType: Type.Optional(Type.String()),
  status: Type.Optional(StringEnum(ACTION_STATUSES)),
  endpoint: Type.Optional(
    Type.String({
      description:
        'Endpoint slug or id (webhook actions); with status=dead, that endpoint’s dead-letter queue. A slug names the live endpoint, whose actions are those made since it was created (not those of a deleted endpoint that had the slug before), or, when none is live, the deleted endpoints that had it; an id names that endpoint, deleted or not. One that never existed is a 404.',
    }),
  ),
};
const ActionListQuery = Type.Object({
  ...ActionFilterFields,
  ...PageQuery.properties,
});
const BulkRetryIn = Type.Object(
  {
    filter: Type.Optional(
      Type.Object(ActionFilterFields, {
        additionalProperties: false,
        description:
          'Which actions; at least one field (status: dead names the whole dead-letter queue), unless all is true. status defaults to dead.',
      }),
    ),
    all: Type.Optional(
      Type.Boolean({
        description:
          'true: retry every dead action of the org (no filter may be given). Without it an empty filter is refused.',
      }),
    ),
    dryRun: Type.Optional(Type.Boolean({ description: 'Only count what would be retried.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 10_000 })),
  },
  { additionalProperties: false },
);
export const BulkOut = Type.Object({
  count: Type.Integer(),
  dryRun: Type.Boolean(),
  truncated: Type.Boolean(),
  skipped: Type.Optional(
    Type.Integer({
      description:
        'Retry only, when some were: matching dead actions left alone because they never ran (their rule’s filter failed); replay their events instead.',
    }),
  ),
});

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
    attemptCount: a.attempts,
    maxAttempts: a.maxAttempts,
    nextAttemptAt: isoOrNull(a.nextAttemptAt),
    lastError: a.lastError,
    result: a.result,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
    completedAt: isoOrNull(a.completedAt),
    endpoint: a.endpoint,
    waiting: a.waiting,
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

/**
 * The store's filter from the query's or the body's: a rule named by name becomes its id, and an event, rule or
 * endpoint that does not exist is refused (404, located at the field) rather than matching nothing.
 */
async function toFilter(
  refs: FilterRefs,
  org: string,
  q: Static<typeof ActionListQuery>,
  where: 'query' | 'body',
): Promise<ActionFilter> {
  return {
    eventId: q.event === undefined ? undefined : await refs.eventId(org, q.event, fieldAt(where, 'event')),
    ruleId: q.rule === undefined ? undefined : await refs.ruleId(org, q.rule, fieldAt(where, 'rule')),
    targetType: q.targetType,
    status: q.status,
    ...(q.endpoint === undefined ? {} : await refs.endpoint(org, q.endpoint, fieldAt(where, 'endpoint'))),
  };
}

const Params = Type.Object({ org: Type.String() });
const IdParams = Type.Object({ org: Type.String(), id: Type.String() });
const tags = ['actions'];

export const actionRoutes: FastifyPluginAsyncTypebox<{
  queries: EventQueries;
  replay: ReplayService;
}> = async (app, { queries, replay }) => {
  const base = '/api/orgs/:org/eventhook/actions';
  app.get(
    base,
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary: 'List actions, newest first (status=dead is the dead-letter queue)',
        params: Params,
        querystring: ActionListQuery,
        response: { 200: PageOf(ActionOut), ...AUTH_PROBLEMS },
      },
    },
    async (req) => {
      const filter = await toFilter(queries.refs, req.params.org, req.query, 'query');
      const page = await queries.actions(req.params.org, filter, {
        limit: req.query.limit ?? 50,
        before: decodeCursor(req.query.cursor, 'action', req.params.org),
      });
      return { items: page.items.map(actionOut), nextCursor: encodeCursor(page.next, req.params.org) };
    },
  );
  app.post(
    `${base}/retry`,
    {
      config: { permission: 'replay' },
      schema: {
        tags,
        summary: 'Retry failed or dead actions in bulk (e.g. the whole dead-letter queue)',
        params: Params,
        body: BulkRetryIn,
        response: { 200: BulkOut, 400: Type.Ref('Problem'), ...AUTH_PROBLEMS },
      },
    },
    async (req) =>
      replay.retryActions(
        req.params.org,
        await toFilter(queries.refs, req.params.org, req.body.filter ?? {}, 'body'),
        {
          dryRun: req.body.dryRun,
          limit: req.body.limit,
          all: req.body.all,
        },
      ),
  );
  app.get(
    `${base}/:id`,
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary: 'Get an action with its attempts',
        params: IdParams,
        response: { 200: ActionDetailOut, ...AUTH_PROBLEMS },
      },
    },
    async (req) => {
      const { action, attempts } = await queries.action(req.params.org, req.params.id);
      return { ...actionOut(action), attempts: attempts.map(attemptOut) };
    },
  );
  app.post(
    `${base}/:id/retry`,
    {
      config: { permission: 'replay' },
      schema: {
        tags,
        summary: 'Give a failed or dead action one more attempt, now',
        params: IdParams,
        response: { 202: ActionOut, 409: Type.Ref('Problem'), ...AUTH_PROBLEMS },
      },
    },
    async (req, reply) => {
      await replay.retryAction(req.params.org, req.params.id);
      return reply.code(202).send(actionOut((await queries.action(req.params.org, req.params.id)).action));
    },
  );
};
