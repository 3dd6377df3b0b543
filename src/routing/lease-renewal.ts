// Lease renewal for the attempts a worker has under way, so a slow attempt is not claimed again while it still runs.
import type { Clock } from '../core/clock.js';
import type { ActionId } from '../core/ids.js';
import { logFailure } from '../observability/log-failure.js';
import type { Store } from '../store/port.js';
import type { ActionRecord } from '../store/records.js';
import type { ActionLog, ActionWorkerOptions } from './action-worker-options.js';

export class LeaseRenewal {
  /** Attempts under way here (action id → attempt number), whose leases the heartbeat keeps from expiring. */
  private readonly held = new Map<ActionId, number>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly options: Pick<ActionWorkerOptions, 'leaseMs'>,
    private readonly log: ActionLog,
  ) {}

  /**
   * An attempt may outlast its lease (a slow receiver with a long timeout, an OAuth token refresh): without renewal
   * another pass would claim the action again and send it a second time while the first send is still going.
   * While attempts are under way, their leases are extended every third of the lease.
   */
  hold(action: ActionRecord): void {
    this.held.set(action.id, action.attempts);
    this.heartbeat ??= setInterval(() => void this.renewLeases(), Math.max(10, this.options.leaseMs / 3));
    this.heartbeat.unref?.();
  }

  release(action: ActionRecord): void {
    this.held.delete(action.id);
    if (this.held.size === 0 && this.heartbeat !== undefined) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  private async renewLeases(): Promise<void> {
    const held = [...this.held].map(([id, attempt]) => ({ id, attempt }));
    if (held.length === 0) return;
    const until = this.clock.now() + this.options.leaseMs;
    // Relaxed: a renewal lost to a power cut only lets the lease expire, as it would have without it.
    await this.store
      .relaxed((tx) => tx.actions.renewLeases(held, until))
      .catch((err: unknown) => logFailure(this.log, err, {}, 'lease renewal failed'));
  }
}
