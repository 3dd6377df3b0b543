// Parking: an action held back without an attempt (endpoint paused, circuit open, FIFO, limits, the store too busy
// or out of reach) gives its claim back and waits, to be claimed again when due or woken.
import type { Clock } from '../core/clock.js';
import { logFailure } from '../observability/log-failure.js';
import type { Store } from '../store/port.js';
import type { ActionRecord } from '../store/records.js';
import type { TargetDeferral } from '../targets/target-handler.js';
import type { ActionLog, ActionWorkerOptions } from './action-worker-options.js';
import { CompletionBatcher, type Completion } from './completion-batcher.js';

export class ActionParking {
  /** Actions held back until woken (a paused endpoint's backlog) are parked together, in one transaction. */
  private readonly deferrals: CompletionBatcher;

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
   * too busy or out of reach). `storeOutage` is the error of a target the store did not serve (timed out or unreachable),
   * logged here, once.
   */
  async park(action: ActionRecord, deferral: TargetDeferral, storeOutage?: unknown): Promise<void> {
    this.options.metrics?.deferred(action.targetType, deferral.reason);
    // Relaxed too: if parking is lost, the action is in flight under an expired lease and gets parked again.
    const at = this.clock.now();
    const park: Completion = (tx) => tx.actions.defer(action.id, deferral.until, deferral.reason, at);
    const fields = { action: action.id, event: action.eventId, target: action.targetType };
    try {
      // Only waits without a time are batched: they come as whole backlogs, and their recheck reads state already
      // committed. A timed wait (FIFO, limits, open circuit) is parked at once, as it always was: a FIFO message's
      // recheck races the completion of the message ahead on PostgreSQL, and a shared transaction would widen
      // that window.
      await (deferral.until === null ? this.deferrals.submit(park) : this.store.relaxed(park));
    } catch (err) {
      if (storeOutage === undefined) throw err;
      // Parking is a store write too, and the store that failed the target may fail it as well (SQLite still locked,
      // PostgreSQL still out of reach). The action is not lost: it stays in flight under this claim's lease, which nothing renews once
      // this attempt ends (release), so a claim pass takes it again when the lease runs out — or sooner, through a
      // worker still alive, if this one's heartbeats stop (orphaned-leases.ts). That claim counts an attempt more,
      // as a re-claim after a crash does: this claim's count could not be given back.
      logFailure(
        this.log,
        err,
        { ...fields, cause: (storeOutage as Error).message },
        'the store could not serve an action, nor take it back; it runs again when its lease runs out',
      );
      return;
    }
    if (storeOutage !== undefined)
      logFailure(
        this.log,
        storeOutage,
        { ...fields, until: deferral.until },
        'the store could not serve an action; it runs again shortly, its attempt not counted',
      );
    await deferral
      .recheck?.()
      .catch((e) => logFailure(this.log, e, { action: action.id }, 'deferral recheck failed'));
  }
}
