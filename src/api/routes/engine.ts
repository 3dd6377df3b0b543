// The local engine's worker API (SPEC §7): list executions, claim work with a lease, heartbeat, complete or fail
// it, cancel it; list, create, read and await promises. Served only when the local engine is in use; otherwise its paths say why
// they are not served.
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EventhookError } from '../../core/errors.js';
import type { ExecutionKind, WorkerApi } from '../../engine/port.js';
import type { ExecutionHolder } from '../../store/port.js';
import { keepExactIntegers } from '../exact-reply.js';
import type { PromiseRecord, TaskRecord, WorkflowRecord } from '../../store/records.js';
import {
  AUTH_PROBLEMS,
  decodeCursor,
  encodeCursor,
  iso,
  isoOrNull,
  JsonAny,
  PageOf,
  StringEnum,
  Timestamp,
  PageQuery,
} from '../schemas.js';

const Status = StringEnum(['pending', 'running', 'completed', 'failed', 'cancelled'] as const);
const ExecutionOut = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  queue: Type.String(),
  status: Status,
  input: JsonAny,
  output: JsonAny,
  error: Type.Union([Type.String(), Type.Null()]),
  idempotencyKey: Type.Union([Type.String(), Type.Null()]),
  metadata: Type.Record(Type.String(), Type.String()),
  workerId: Type.Union([Type.String(), Type.Null()]),
  leaseUntil: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
  startedAt: Type.Union([Timestamp, Type.Null()]),
  completedAt: Type.Union([Timestamp, Type.Null()]),
  correlationId: Type.Union([Type.String(), Type.Null()], {
    description:
      'The correlation id of the event that started it (its own, or else its id); lifecycle events carry it.',
  }),
  traceparent: Type.Union([Type.String(), Type.Null()], {
    description: 'The W3C traceparent of the event that started it; lifecycle events continue that trace.',
  }),
  executionCount: Type.Optional(Type.Integer()),
  maxRetries: Type.Optional(Type.Integer()),
});
const PromiseStatus = StringEnum(['pending', 'resolved', 'rejected'] as const);
const PromiseOut = Type.Object({
  id: Type.String(),
  key: Type.Union([Type.String(), Type.Null()]),
  status: PromiseStatus,
  value: JsonAny,
  error: Type.Union([Type.String(), Type.Null()]),
  workflowId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  settledAt: Type.Union([Timestamp, Type.Null()]),
});
const PromiseCreatedOut = Type.Object({
  ...PromiseOut.properties,
  created: Type.Boolean({ description: 'False when the key named an existing promise, answered as it is.' }),
});

const Params = Type.Object({ org: Type.String() });
const IdParams = Type.Object({ org: Type.String(), id: Type.String() });
const ListQuery = Type.Object({
  kind: Type.Optional(Type.String()),
  queue: Type.Optional(Type.String()),
  status: Type.Optional(Status),
  ...PageQuery.properties,
});
const PromiseListQuery = Type.Object({
  status: Type.Optional(PromiseStatus),
  workflowId: Type.Optional(Type.String({ description: 'Only the promises created for this workflow.' })),
  ...PageQuery.properties,
});
const WorkerId = Type.String({
  minLength: 1,
  maxLength: 200,
  description:
    'A name the worker gives itself. A claimed execution is held by it and the API key that claimed it: a ' +
    'heartbeat, complete or fail needs both, and another key sending the same workerId gets 409 ' +
    'EH_ENGINE_LEASE_LOST, as a wrong workerId does.',
});
const LeaseMs = Type.Integer({
  minimum: 1000,
  maximum: 3_600_000,
  default: 60_000,
  description:
    'How long the execution stays this worker’s without a heartbeat. A lease that runs out is a failed execution: ' +
    'a task with retries left goes back to pending (task.retrying), one without ends failed (task.failed); a ' +
    'workflow goes back to pending (workflow.retrying).',
});
const ClaimIn = Type.Object(
  {
    workerId: WorkerId,
    kinds: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Kinds this worker handles; all when omitted.',
      }),
    ),
    queue: Type.Optional(Type.String({ default: 'default' })),
    leaseMs: Type.Optional(LeaseMs),
    waitMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 60_000,
        default: 0,
        description: 'Long-poll for work up to this long.',
      }),
    ),
  },
  { additionalProperties: false },
);
const HeartbeatIn = Type.Object(
  { workerId: WorkerId, leaseMs: Type.Optional(LeaseMs) },
  { additionalProperties: false },
);
const CompleteIn = Type.Object(
  { workerId: WorkerId, output: Type.Optional(JsonAny) },
  { additionalProperties: false },
);
const FailIn = Type.Object(
  { workerId: WorkerId, error: Type.String({ minLength: 1, maxLength: 10_000 }) },
  { additionalProperties: false },
);
const CancelIn = Type.Object(
  {
    reason: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 10_000,
        description:
          'Kept as the execution’s error and told to its worker; without one, the error is "no reason given".',
      }),
    ),
  },
  { additionalProperties: false },
);
const PromiseIn = Type.Object(
  {
    key: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'Idempotency key, e.g. stripe:pi_123; targets may name the promise as key:<key>.',
      }),
    ),
    workflowId: Type.Optional(
      Type.String({
        description:
          'The workflow the promise belongs to: one of this org, pending or running. Its end (completed, failed ' +
          'or cancelled) rejects the promise if it is still pending.',
      }),
    ),
  },
  { additionalProperties: false },
);
const AwaitQuery = Type.Object({
  timeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 120_000, default: 30_000 })),
});

/** An execution as answered, with the reply writing its input's integers beyond 2^53 as they arrived. */
function executionReply(reply: FastifyReply, r: WorkflowRecord | TaskRecord): Static<typeof ExecutionOut> {
  keepExactIntegers(reply, [r.inputExactIntegers]);
  return executionOut(r);
}

function executionOut(r: WorkflowRecord | TaskRecord): Static<typeof ExecutionOut> {
  return {
    id: r.id,
    kind: r.kind,
    queue: r.queue,
    status: r.status,
    input: r.input,
    output: r.output,
    error: r.error,
    idempotencyKey: r.idempotencyKey,
    metadata: r.metadata,
    workerId: r.workerId,
    leaseUntil: isoOrNull(r.leaseUntil),
    createdAt: iso(r.createdAt),
    startedAt: isoOrNull(r.startedAt),
    completedAt: isoOrNull(r.completedAt),
    correlationId: r.correlationId,
    traceparent: r.traceparent,
    ...('executionCount' in r ? { executionCount: r.executionCount, maxRetries: r.maxRetries } : {}),
  };
}

export function promiseOut(p: PromiseRecord): Static<typeof PromiseOut> {
  return {
    id: p.id,
    key: p.key,
    status: p.status,
    value: p.value,
    error: p.error,
    workflowId: p.workflowId,
    createdAt: iso(p.createdAt),
    settledAt: isoOrNull(p.settledAt),
  };
}

export const engineRoutes: FastifyPluginAsyncTypebox<{ engine: WorkerApi }> = async (app, { engine }) => {
  const base = '/api/orgs/:org/eventhook/engine';
  for (const kind of ['workflow', 'task'] as const satisfies ExecutionKind[]) {
    const path = `${base}/${kind}s`;
    const tags = ['engine'];
    app.get(
      path,
      {
        config: { permission: 'read' },
        schema: {
          tags,
          summary: `List ${kind} executions`,
          params: Params,
          querystring: ListQuery,
          response: { 200: PageOf(ExecutionOut), ...AUTH_PROBLEMS },
        },
      },
      async (req, reply) => {
        const { limit = 50, cursor, ...filter } = req.query;
        const page = await (kind === 'workflow'
          ? engine.list('workflow', req.params.org, filter, {
              limit,
              before: decodeCursor(cursor, 'workflow', req.params.org),
            })
          : engine.list('task', req.params.org, filter, {
              limit,
              before: decodeCursor(cursor, 'task', req.params.org),
            }));
        keepExactIntegers(
          reply,
          page.items.map((r) => r.inputExactIntegers),
        );
        return { items: page.items.map(executionOut), nextCursor: encodeCursor(page.next, req.params.org) };
      },
    );
    app.get(
      `${path}/:id`,
      {
        config: { permission: 'read' },
        schema: {
          tags,
          summary: `Get a ${kind} execution`,
          params: IdParams,
          response: { 200: ExecutionOut, ...AUTH_PROBLEMS },
        },
      },
      async (req, reply) => executionReply(reply, await engine.get(kind, req.params.org, req.params.id)),
    );
    app.post(
      `${path}/claim`,
      {
        config: { permission: 'work' },
        schema: {
          tags,
          summary: `Claim the oldest pending ${kind} (with a lease); 204 when there is none`,
          params: Params,
          body: ClaimIn,
          response: { 200: ExecutionOut, 204: Type.Null(), ...AUTH_PROBLEMS },
        },
      },
      async (req, reply) => {
        const claimed = await engine.claim(
          kind,
          req.params.org,
          {
            ...holderOf(req, req.body.workerId),
            kinds: req.body.kinds ?? [],
            queue: req.body.queue ?? 'default',
            leaseMs: req.body.leaseMs ?? 60_000,
            waitMs: req.body.waitMs ?? 0,
          },
          untilDisconnected(reply),
        );
        return claimed ? executionReply(reply, claimed) : reply.code(204).send(null);
      },
    );
    app.post(
      `${path}/:id/heartbeat`,
      {
        config: { permission: 'work' },
        schema: {
          tags,
          summary: 'Extend the lease',
          params: IdParams,
          body: HeartbeatIn,
          response: { 200: ExecutionOut, 409: Type.Ref('Problem'), ...AUTH_PROBLEMS },
        },
      },
      async (req, reply) =>
        executionReply(
          reply,
          await engine.heartbeat(
            kind,
            req.params.org,
            req.params.id,
            holderOf(req, req.body.workerId),
            req.body.leaseMs ?? 60_000,
          ),
        ),
    );
    app.post(
      `${path}/:id/complete`,
      {
        config: { permission: 'work' },
        schema: {
          tags,
          summary: `Complete a claimed ${kind}`,
          ...(kind === 'workflow'
            ? {
                description:
                  'Its promises still pending are rejected in the same transaction (error `Workflow wf_… completed ' +
                  'before the promise was settled`, a promise.rejected event each), which ends their awaits.',
              }
            : {}),
          params: IdParams,
          body: CompleteIn,
          response: { 200: ExecutionOut, 409: Type.Ref('Problem'), ...AUTH_PROBLEMS },
        },
      },
      async (req, reply) =>
        executionReply(
          reply,
          await engine.complete(
            kind,
            req.params.org,
            req.params.id,
            holderOf(req, req.body.workerId),
            (req.body.output ?? null) as never,
          ),
        ),
    );
    app.post(
      `${path}/:id/fail`,
      {
        config: { permission: 'work' },
        schema: {
          tags,
          summary: `Fail a claimed ${kind} (tasks with retries left go back to the queue)`,
          description:
            kind === 'workflow'
              ? 'The workflow ends failed (a workflow has no retries; only an expired lease sends one back to its ' +
                'queue). Its pending promises are rejected in the same transaction (error `Workflow wf_… failed: ' +
                '<error>`, a promise.rejected event each), which ends their awaits.'
              : 'A task with runs left (executionCount ≤ maxRetries) goes back to pending (task.retrying); one ' +
                'without ends failed (task.failed).',
          params: IdParams,
          body: FailIn,
          response: { 200: ExecutionOut, 409: Type.Ref('Problem'), ...AUTH_PROBLEMS },
        },
      },
      async (req, reply) =>
        executionReply(
          reply,
          await engine.fail(
            kind,
            req.params.org,
            req.params.id,
            holderOf(req, req.body.workerId),
            req.body.error,
          ),
        ),
    );
    app.post(
      `${path}/:id/cancel`,
      {
        config: { permission: 'cancel' },
        schema: {
          tags,
          summary: `Cancel a pending or running ${kind}`,
          description:
            `The ${kind} ends cancelled and a ${kind}.cancelled event is stored; a worker running it gets 409 ` +
            'EH_ENGINE_CANCELLED at its next heartbeat, complete or fail, which change nothing. One already ' +
            'cancelled is answered as it is; one completed or failed is a 409 EH_ENGINE_FINISHED. Its idempotency ' +
            'key is free again, as a failed one’s: the same key starts a new execution.' +
            (kind === 'workflow'
              ? ' Its pending promises are rejected in the same transaction (error `Workflow wf_… was cancelled: ' +
                '<reason>`, a promise.rejected event each), which ends their awaits; settled ones stay as they are.'
              : ''),
          params: IdParams,
          body: Type.Optional(CancelIn),
          response: { 200: ExecutionOut, 409: Type.Ref('Problem'), ...AUTH_PROBLEMS },
        },
      },
      async (req, reply) =>
        executionReply(reply, await engine.cancel(kind, req.params.org, req.params.id, req.body?.reason)),
    );
  }

  const tags = ['engine'];
  app.get(
    `${base}/promises`,
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary: 'List promises',
        params: Params,
        querystring: PromiseListQuery,
        response: { 200: PageOf(PromiseOut), ...AUTH_PROBLEMS },
      },
    },
    async (req) => {
      const { limit = 50, cursor, ...filter } = req.query;
      const page = await engine.listPromises(req.params.org, filter, {
        limit,
        before: decodeCursor(cursor, 'promise', req.params.org),
      });
      return { items: page.items.map(promiseOut), nextCursor: encodeCursor(page.next, req.params.org) };
    },
  );
  app.post(
    `${base}/promises`,
    {
      config: { permission: 'work' },
      schema: {
        tags,
        summary: 'Create a promise',
        description:
          'A key that names a promise already (of the same workflow) answers that one, 200 and created: false, ' +
          'as it is, even if its workflow ended since: a workflow resuming after a crash makes its promises again. ' +
          '409 EH_ENGINE_CONFLICT when another workflow holds it. A new promise with a workflowId needs that ' +
          'workflow: 404 EH_ENGINE_NOT_FOUND when the org has no such workflow (a task id is none), 409 ' +
          'EH_ENGINE_WORKFLOW_ENDED when it completed, failed or was cancelled (its end rejected the promises it ' +
          'had; nothing would settle a new one).',
        params: Params,
        body: PromiseIn,
        response: {
          201: PromiseCreatedOut,
          200: PromiseCreatedOut,
          409: Type.Ref('Problem'),
          ...AUTH_PROBLEMS,
        },
      },
    },
    async (req, reply) => {
      const { record, created } = await engine.createPromise(req.params.org, req.body);
      return reply.code(created ? 201 : 200).send({ ...promiseOut(record), created });
    },
  );
  app.get(
    `${base}/promises/:id`,
    {
      // A member's read, as the list and GET of a workflow are (the console shows one), and a worker's too, whose
      // workflow waits on it.
      config: { permission: 'read-promise' },
      schema: {
        tags,
        summary: 'Get a promise by id or key:<key>',
        description:
          'Needs a member, worker or admin key: a member reads it as the lists, a worker because its workflow waits ' +
          'on it.',
        params: IdParams,
        response: { 200: PromiseOut, ...AUTH_PROBLEMS },
      },
    },
    async (req) => promiseOut(await engine.getPromise(req.params.org, req.params.id)),
  );
  app.get(
    `${base}/promises/:id/await`,
    {
      config: { permission: 'work' },
      schema: {
        tags,
        summary: 'Long-poll until the promise settles or timeoutMs passes',
        params: IdParams,
        querystring: AwaitQuery,
        response: { 200: PromiseOut, ...AUTH_PROBLEMS },
      },
    },
    async (req, reply) =>
      promiseOut(
        await engine.awaitPromise(
          req.params.org,
          req.params.id,
          req.query.timeoutMs ?? 30_000,
          untilDisconnected(reply),
        ),
      ),
  );
};

/**
 * The worker a call comes from: the workerId it sends, and the key it authenticated with, which a claim records and a
 * heartbeat, completion or failure must repeat. The workerId alone is the client's choice, and every worker key of the
 * org could send another's. The operator token (which may use these routes as an admin key can) is a claimer of its
 * own, `operator`, which no key id (`key_…`) can be.
 */
function holderOf(req: FastifyRequest, workerId: string): ExecutionHolder {
  const principal = req.principal;
  if (!principal) throw new Error(`route ${req.routeOptions.url} serves a worker without authentication`);
  return { workerId, claimer: principal.kind === 'operator' ? 'operator' : principal.key.id };
}

/**
 * A signal that aborts when the client goes away before its answer: a long poll then stops waiting. The response's
 * 'close' says so; the request's does not — it fires as soon as a POST's body has been read, which ended every
 * claim's wait at once.
 */
function untilDisconnected(reply: FastifyReply): AbortSignal {
  const abort = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  return abort.signal;
}

/** With Flovyn as the engine, its workers talk to Flovyn: the worker API's paths say so rather than "No route". */
export const localEngineOffRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.all(
    '/api/orgs/:org/eventhook/engine/*',
    { config: { permission: 'read' }, schema: { hide: true } },
    async () => {
      throw new EventhookError('EH_LOCAL_ENGINE_OFF', {});
    },
  );
};
