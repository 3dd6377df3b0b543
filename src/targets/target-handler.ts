// The contract between the action worker and each target type: run one attempt, say what happened.
import type { ActionId } from '../core/ids.js';
import type { Envelope, JsonValue } from '../core/envelope.js';
import { EventhookError } from '../core/errors.js';
import type { StoreRepos } from '../store/port.js';
import { isStoreOutage, STORE_RETRY_AFTER_SECONDS } from '../store/store-outage.js';
import type { ActionRecord, EventRecord, NewEvent } from '../store/records.js';

export interface TargetContext {
  action: ActionRecord;
  event: EventRecord;
  envelope: Envelope;
  /** The target's input, already transformed. */
  input: JsonValue;
}

/** What an attempt looked like on the wire, for the attempt record (webhooks fill it in). */
export interface AttemptDetails {
  statusCode: number | null;
  request: JsonValue;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  /** The time on the wire, when the target measured it (otherwise the worker times the whole attempt). */
  latencyMs?: number;
}

/** What an attempt adds to the transaction that records it, so both commit or neither does. */
export interface AttemptEffects {
  /** Events to store with the attempt (e.g. delivery.dead); the worker announces them after the commit. */
  events?: readonly NewEvent[];
  /**
   * More writes for the same transaction (e.g. letting the next message of a FIFO lane go). It may return actions it
   * made due that the worker should start right away: they are claimed in the same transaction and started after
   * the commit, rather than waiting for the next claim pass to find them.
   */
  commit?: (tx: StoreRepos) => Promise<void | readonly ActionId[]>;
}

export interface TargetHandler {
  /** Resolves with the result to store on the action; throws to fail the attempt (see TargetFailure). */
  run(ctx: TargetContext): Promise<{ result: JsonValue; attempt?: AttemptDetails } & AttemptEffects>;
  /**
   * Attempts an action of this target may use when the target itself sets none (`retry.maxAttempts`), asked once
   * at routing time; undefined keeps the router's default. Webhooks answer from their endpoint's schedule.
   */
  maxAttempts?(org: string, target: JsonValue): Promise<number | undefined>;
  /**
   * Events to store when an action of this target dies of a failure that stored none itself: its input could not be
   * built, or it was born dead (its rule's filter failed). Webhooks: delivery.dead, as for a delivery that died.
   * Engine targets: action.dead, for every death (their attempts store none); `statusCode` is the last attempt's.
   */
  deadEvents?(
    action: DyingAction,
    event: EventRecord,
    error: string,
    now: number,
    statusCode?: number | null,
  ): NewEvent[];
}

/** What a dying action's events are made from: an action record, or one the router is about to create dead. */
export type DyingAction = Pick<
  ActionRecord,
  'id' | 'org' | 'eventId' | 'ruleId' | 'target' | 'idempotencyKey' | 'attempts' | 'maxAttempts'
>;

/**
 * A failed attempt with what the retry policy needs: `permanent` failures go straight to dead, `retryAfterMs`
 * overrides the schedule (e.g. Retry-After), `attempt` keeps the wire details.
 */
export class TargetFailure extends Error {
  constructor(
    message: string,
    readonly opts: {
      permanent?: boolean;
      retryAfterMs?: number;
      attempt?: AttemptDetails;
      outcome?: string;
    } & AttemptEffects = {},
  ) {
    super(message);
    this.name = 'TargetFailure';
  }
}

/**
 * Not an attempt: the target cannot run yet (endpoint paused, circuit open, rate limit, an earlier FIFO message
 * unfinished). The action goes back to waiting without using up an attempt, due again at `until`, or — when
 * `until` is null — only once something wakes it (ActionsRepo.wakeWaiting). `reason` is shown on the action.
 * `recheck` runs once the wait is stored: what should wake the action may have happened between the target's
 * look and the store write, and would then have found nothing waiting to wake.
 */
export class TargetDeferral extends Error {
  constructor(
    readonly reason: string,
    readonly until: number | null,
    readonly recheck?: () => Promise<void>,
  ) {
    super(`waiting: ${reason}`);
    this.name = 'TargetDeferral';
  }
}

/** `waiting` of an action handed back because the store did not answer its target in time. */
export const STORE_TIMEOUT_WAIT = 'store_timeout';
/** `waiting` of an action handed back because the store could not be reached (or its disk was full) while its target ran. */
export const STORE_UNAVAILABLE_WAIT = 'store_unavailable';

/**
 * What a target's store outage becomes: EH_STORE_TIMEOUT (SQLite locked by another connection past its busy wait, a
 * PostgreSQL statement or lock timeout) or EH_STORE_UNAVAILABLE (no PostgreSQL connection could be made, or it was
 * lost), while the target wrote its execution, event or promise, or read its endpoint. A database that is busy or out
 * of reach is not the target's fault, so rather than a failed attempt, which would use up the action's retries and
 * could make it dead, the action waits as long as an API caller is told to (Retry-After) and runs again. Running
 * again is safe: what failed was not committed, and the action's idempotency key finds whatever did land (a
 * PostgreSQL commit whose answer never came, a Flovyn call made before). Undefined for any other error.
 */
export function storeOutageDeferral(err: unknown, now: number): TargetDeferral | undefined {
  if (!isStoreOutage(err)) return undefined;
  const reason = err.code === 'EH_STORE_TIMEOUT' ? STORE_TIMEOUT_WAIT : STORE_UNAVAILABLE_WAIT;
  return new TargetDeferral(reason, now + STORE_RETRY_AFTER_SECONDS * 1000);
}

/** Errors that will fail the same way on every retry: bad configuration, scripts, conflicts. */
export function isPermanent(err: unknown): boolean {
  if (err instanceof TargetFailure) return err.opts.permanent === true;
  if (err instanceof EventhookError)
    return ['validation', 'sandbox', 'conflict', 'forbidden', 'unsupported'].includes(err.kind);
  return false;
}
