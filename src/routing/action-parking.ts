// Parking: an action held back without an attempt (endpoint paused, circuit open, FIFO, limits, the store too busy
// or out of reach) gives its claim back and waits, to be claimed again when due or woken.
import type { Clock } from '../core/clock.js';
import { logFailure } from '../observability/log-failure.js';
import type { Store } from '../store/port.js';
import type { ActionRecord } from '../store/records.js';
import { isStoreOutage, STORE_RETRY_AFTER_SECONDS } from '../store/store-outage.js';
import { TargetDeferral } from '../targets/target-handler.js';
import type { ActionLog, ActionWorkerOptions } from './action-worker-options.js';
import { CompletionBatcher, type Completion } from './completion-batcher.js';

/** While the store cannot take an action back, it is asked again this often (the Retry-After it gives callers). */
export const PARK_RETRY_MS = STORE_RETRY_AFTER_SECONDS * 1000;

const DEFERRED = 'the store could not serve an action; it runs again shortly, its attempt not counted';

export class ActionParking {
  /** Actions held back until woken (a paused endpoint's backlog) are parked together, in one transaction. */
  private readonly deferrals: CompletionBatcher;
  /** Hand-backs the store did not take yet, tried again while their lease lasts: waiting, and under way. */
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly options: Pick<ActionWorkerOptions, 'metrics'>,
    private readonly log: ActionLog,
  ) {
    this.deferrals = new CompletionBatcher(store, 256, 'relaxed');
  }

  /**
   * Not an attempt: the claim is undone and the action waits (endpoint paused, circuit open, FIFO, limits, the store
   * too busy or out of reach). `storeOutage` is the error of a target the store did not serve (timed out or
   * unreachable), logged here, once.
   */
  async park(action: ActionRecord, deferral: TargetDeferral, storeOutage?: unknown): Promise<void> {
    this.options.metrics?.deferred(action.targetType, deferral.reason);
    try {
      await this.handBack(action, deferral);
    } catch (err) {
      if (storeOutage === undefined) throw err;
      logFailure(
        this.log,
        err,
        { ...this.fields(action), cause: (storeOutage as Error).message },
        'the store could not serve an action, nor take it back yet; it is asked again while the lease lasts',
      );
      this.retry(action, deferral, storeOutage, 1);
      return;
    }
    if (storeOutage !== undefined)
      logFailure(this.log, storeOutage, { ...this.fields(action), until: deferral.until }, DEFERRED);
    await this.recheck(action, deferral);
  }

  /** Stops asking the store to take actions back (the process is closing): those are left to their leases. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  /**
   * The claim is given back only while it still holds the action (its attempt number): a hand-back tried again
   * late must not undo a later claim's.
   */
  private handBack(action: ActionRecord, deferral: TargetDeferral): Promise<void> {
    // Relaxed too: if parking is lost, the action is in flight under an expired lease and gets parked again.
    const at = this.clock.now();
    const park: Completion = (tx) =>
      tx.actions.defer(action.id, deferral.until, deferral.reason, at, action.attempts);
    // Only waits without a time are batched: they come as whole backlogs, and their recheck reads state already
    // committed. A timed wait (FIFO, limits, open circuit) is parked at once, as it always was: a FIFO message's
    // recheck races the completion of the message ahead on PostgreSQL, and a shared transaction would widen
    // that window.
    return deferral.until === null ? this.deferrals.submit(park) : this.store.relaxed(park);
  }

  /**
   * Parking is a store write too, and the store that failed the target may fail it as well (SQLite still locked,
   * PostgreSQL still out of reach). The action is not lost: it stays in flight under this claim's lease, which
   * nothing renews once this attempt ended. So the hand-back is tried again every PARK_RETRY_MS while the lease
   * lasts, and an outage shorter than the lease costs no attempt. Past it, a claim pass takes the action again (sooner,
   * through a worker still alive, if this one's heartbeats stop: orphaned-leases.ts), and that claim counts an
   * attempt more, as a re-claim after a crash does.
   */
  private retry(action: ActionRecord, deferral: TargetDeferral, storeOutage: unknown, tries: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = this.retryNow(action, deferral, storeOutage, tries);
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }, PARK_RETRY_MS);
    timer.unref();
    this.timers.add(timer);
  }

  private async retryNow(
    action: ActionRecord,
    deferral: TargetDeferral,
    storeOutage: unknown,
    tries: number,
  ): Promise<void> {
    if (this.clock.now() >= (action.leaseUntil ?? 0)) {
      this.log.warn(
        { ...this.fields(action), tries },
        'the store did not take an action back before its lease ran out; its next claim counts an attempt more',
      );
      return;
    }
    // Due no sooner than the store's Retry-After from now: the target failed a while ago.
    const until = deferral.until === null ? null : Math.max(deferral.until, this.clock.now() + PARK_RETRY_MS);
    const again = new TargetDeferral(deferral.reason, until, deferral.recheck);
    try {
      await this.handBack(action, again);
    } catch (err) {
      if (isStoreOutage(err)) return this.retry(action, deferral, storeOutage, tries + 1);
      return logFailure(
        this.log,
        err,
        this.fields(action),
        'handing an action back failed; it runs again when its lease runs out',
      );
    }
    logFailure(this.log, storeOutage, { ...this.fields(action), until, tries: tries + 1 }, DEFERRED);
    await this.recheck(action, again);
  }

  private async recheck(action: ActionRecord, deferral: TargetDeferral): Promise<void> {
    await deferral
      .recheck?.()
      .catch((e) => logFailure(this.log, e, { action: action.id }, 'deferral recheck failed'));
  }

  private fields(action: ActionRecord) {
    return { action: action.id, event: action.eventId, target: action.targetType };
  }
}
