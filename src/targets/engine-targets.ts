// workflow, task and promise targets: calls to the Engine port with a deterministic idempotency key, so retries
// and replays never start the same workflow twice.
import type { Clock } from '../core/clock.js';
import type { JsonValue } from '../core/envelope.js';
import { isEventhookError } from '../core/errors.js';
import { parseRetryAfter } from '../delivery/retry-policy.js';
import type { Engine, EventCause, StartWorkflow } from '../engine/port.js';
import type { EventRecord, NewEvent } from '../store/records.js';
import { isStoreOutage } from '../store/store-outage.js';
import { retryDelayMs } from '../routing/retry-delay.js';
import type { PromiseTarget, RetryPolicy, TaskTarget, WorkflowTarget } from './target-schema.js';
import { actionDeadEvent } from './action-dead-event.js';
import { jmes, keyFromExpression, promiseRef } from './engine-keys.js';
import {
  isPermanent,
  TargetFailure,
  type DyingAction,
  type TargetContext,
  type TargetHandler,
} from './target-handler.js';

export interface EngineTargetOptions {
  /** The longest wait an engine's Retry-After may set (EVENTHOOK_RETRY_AFTER_CAP). */
  retryAfterCapMs: number;
  /** Reads a Retry-After given as a date. */
  clock: Clock;
}

/**
 * Runs one engine call. An engine that asks for time (Retry-After) gets it, up to the cap, when it is longer than
 * the scheduled wait; a shorter or zero one never hurries the schedule (a 429 storm must not burn every attempt).
 */
async function engineCall<T>(ctx: TargetContext, options: EngineTargetOptions, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    // Our own store timing out or out of reach (the local engine writing the execution, Flovyn's cause being kept) is
    // no answer of the engine's: its Retry-After must not make a failed attempt, and the worker defers the action on it.
    if (isStoreOutage(err)) throw err;
    const header = isEventhookError(err) ? err.headers?.['retry-after'] : undefined;
    const wait = parseRetryAfter(header, options.clock.now());
    // The engine's HTTP status (Flovyn's 429, 500, 409 …), kept on the attempt as a webhook's is.
    const status = isEventhookError(err) ? err.params.status : undefined;
    if (wait === undefined && typeof status !== 'number') throw err;
    throw new TargetFailure((err as Error).message, {
      permanent: isPermanent(err),
      ...(wait !== undefined ? { retryAfterMs: retryAfter(ctx, options, wait) } : {}),
      ...(typeof status === 'number'
        ? { attempt: { statusCode: status, request: null, responseHeaders: null, responseBody: null } }
        : {}),
    });
  }
}

/**
 * The wait an engine's Retry-After sets: the scheduled one, unless the engine asked for longer (up to the cap). Only
 * an answer with Retry-After needs the schedule here; without one the worker reads the schedule itself.
 */
function retryAfter(ctx: TargetContext, options: EngineTargetOptions, waitMs: number): number {
  const scheduled = retryDelayMs((ctx.action.target as { retry?: RetryPolicy }).retry, ctx.action.attempts);
  return Math.max(scheduled, Math.min(waitMs, options.retryAfterCapMs));
}

/**
 * The causing event as every engine call names it: its id and hop count, its correlation id (its own, or else its id)
 * and its traceparent, which the engine call continues and the lifecycle events it leads to carry on.
 */
/** The event's integers beyond 2^53, for an input built from it: the engine gets them as they arrived. */
function exactOf(ctx: TargetContext): Pick<StartWorkflow, 'inputExactIntegers'> {
  return ctx.event.exactIntegers ? { inputExactIntegers: ctx.event.exactIntegers } : {};
}

function causeOf(ctx: TargetContext): EventCause {
  const { event } = ctx;
  return {
    causeEventId: event.id,
    causeHopCount: event.hopCount,
    correlationId: event.correlationId ?? event.id,
    ...(event.traceparent !== null ? { traceparent: event.traceparent } : {}),
  };
}

/**
 * Whether the action was routed by a replay that asked for fresh keys. The router then ends the default key with the
 * route sequence (`{eventId}:{ruleId}:{targetIndex}:{routeSeq}`), so the action record tells it without a column of
 * its own; the event's `freshKeys` flag is no witness, since a later replay may have changed it.
 */
function routedWithFreshKeys(action: TargetContext['action']): boolean {
  const { eventId, ruleId, targetIndex, routeSeq } = action;
  return action.idempotencyKey === `${eventId}:${ruleId}:${targetIndex}:${routeSeq}`;
}

/**
 * The key the engine gets: the action's own, or the target's `idempotencyKey` expression. A replay with fresh keys
 * suffixes the target's key too, with the event and the route sequence, so each such replay starts a new execution
 * (the event id keeps fresh replays of two events that share a business key apart).
 */
function idempotencyKey(ctx: TargetContext, expr: string | undefined): string {
  if (expr === undefined) return ctx.action.idempotencyKey;
  const key = keyFromExpression(expr, ctx.envelope);
  return routedWithFreshKeys(ctx.action) ? `${key}:${ctx.action.eventId}:${ctx.action.routeSeq}` : key;
}

/** What the engine targets share: the engine and its options, and action.dead when one of their actions dies. */
abstract class EngineTargetHandler implements TargetHandler {
  constructor(
    protected readonly engine: Engine,
    protected readonly options: EngineTargetOptions,
  ) {}

  abstract run(ctx: TargetContext): ReturnType<TargetHandler['run']>;

  deadEvents(
    action: DyingAction,
    event: EventRecord,
    error: string,
    now: number,
    statusCode: number | null = null,
  ): NewEvent[] {
    return [actionDeadEvent({ action, event, error, statusCode, now })];
  }
}

export class WorkflowTargetHandler extends EngineTargetHandler {
  async run(ctx: TargetContext) {
    const t = ctx.action.target as unknown as WorkflowTarget;
    const r = await engineCall(
      ctx,
      this.options,
      this.engine.startWorkflow({
        org: ctx.action.org,
        kind: t.kind,
        queue: t.queue,
        input: ctx.input,
        ...exactOf(ctx),
        idempotencyKey: idempotencyKey(ctx, t.idempotencyKey),
        metadata: t.metadata,
        ...causeOf(ctx),
      }),
    );
    return { result: { workflowId: r.id, created: r.created } };
  }
}

export class TaskTargetHandler extends EngineTargetHandler {
  async run(ctx: TargetContext) {
    const t = ctx.action.target as unknown as TaskTarget;
    const r = await engineCall(
      ctx,
      this.options,
      this.engine.createTask({
        org: ctx.action.org,
        kind: t.kind,
        queue: t.queue,
        maxRetries: t.maxRetries,
        input: ctx.input,
        ...exactOf(ctx),
        idempotencyKey: idempotencyKey(ctx, t.idempotencyKey),
        ...causeOf(ctx),
      }),
    );
    return { result: { taskId: r.id, created: r.created } };
  }
}

export class PromiseTargetHandler extends EngineTargetHandler {
  async run(ctx: TargetContext) {
    const t = ctx.action.target as unknown as PromiseTarget;
    const ref = promiseRef(t.promise, ctx.envelope);
    const value: JsonValue = t.value !== undefined ? jmes(t.value)(ctx.envelope) : ctx.input;
    let error: string | undefined;
    if (t.mode === 'reject') {
      const e = t.error !== undefined ? jmes(t.error)(ctx.envelope) : null;
      error =
        typeof e === 'string'
          ? e
          : e === null
            ? `rejected by rule ${ctx.action.ruleName}`
            : JSON.stringify(e);
    }
    const r = await engineCall(
      ctx,
      this.options,
      this.engine.settlePromise({
        org: ctx.action.org,
        promise: ref,
        mode: t.mode,
        value,
        error,
        ...causeOf(ctx),
      }),
    );
    return { result: { promiseId: r.promiseId, settled: r.settled } };
  }
}
