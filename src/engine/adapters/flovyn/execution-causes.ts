// Which event caused each execution this deployment started on Flovyn, at what hop count, and the correlation id and
// traceparent that event's chain goes on with (as the local engine keeps them on its executions). Flovyn keeps the
// metadata Eventhook sends, but its lifecycle events carry no metadata, and any process of the deployment may take
// them; so the cause is written to the store (every process reads it there) and kept in memory by the process that
// started the execution (no read for the events that come back to it).
//
// The cause is written once Flovyn has answered the start, and Flovyn may publish the execution's first events before
// that answer arrives. So an execution with no cause yet is looked up again a few times over most of a second before
// it is taken for one Eventhook did not start (its events then count hops from one); such executions are remembered
// for a minute, so only their first event in that time waits.
import type { ExecutionCausesRepo } from '../../../store/port.js';

export interface ExecutionCause {
  eventId: string;
  hops: number;
  /** The causing event's correlation id (its own, or else its id); absent on causes recorded before migration 020. */
  correlationId?: string;
  /** The causing event's traceparent, as it came; absent when it had none (or before migration 020). */
  traceparent?: string;
}

/** The waits before looking an execution's cause up again, while its start may still be being answered. */
const RECHECK_MS = [50, 200, 500];
/** How long an execution found without a cause is taken for a stranger's before its events look again. */
const FOREIGN_MS = 60_000;

export class ExecutionCauses {
  private readonly recent = new Map<string, ExecutionCause>();
  /** Executions found without a cause after the rechecks (started by someone else), until when that holds. */
  private readonly foreign = new Map<string, number>();

  constructor(
    private readonly store: ExecutionCausesRepo,
    private readonly now: () => number,
    private readonly capacity = 10_000,
    private readonly recheckMs: readonly number[] = RECHECK_MS,
  ) {}

  /**
   * `made`: this start made the execution (Flovyn's 201), so its cause is the execution's even if a concurrent start
   * with the same key, answered first, was remembered before it.
   */
  async remember(executionId: string, cause: ExecutionCause, made = false): Promise<void> {
    // A start whose key named an execution already started (a replay, another event with the same business key) is
    // not its cause: the store keeps the first, and so must this process, or its events would carry another chain's
    // correlation and hops here than in every other process.
    if (await this.store.remember({ executionId, ...cause, createdAt: this.now() }, made))
      this.keep(executionId, cause);
    // The store has its cause: an execution taken for a stranger's before it was written reads it next time.
    else this.foreign.delete(executionId);
  }

  async of(executionId: string): Promise<ExecutionCause | undefined> {
    const known = this.recent.get(executionId);
    if (known) return known;
    if ((this.foreign.get(executionId) ?? 0) > this.now()) return undefined;
    for (const wait of [...this.recheckMs, null]) {
      const stored = await this.store.of(executionId);
      if (stored) {
        const { executionId: _id, createdAt: _at, ...cause } = stored;
        this.keep(executionId, cause);
        return cause;
      }
      if (wait === null) break;
      await new Promise((r) => setTimeout(r, wait));
      // Remembered meanwhile by this process's own start.
      const remembered = this.recent.get(executionId);
      if (remembered) return remembered;
    }
    this.foreign.delete(executionId);
    this.foreign.set(executionId, this.now() + FOREIGN_MS);
    if (this.foreign.size > this.capacity) this.foreign.delete(this.foreign.keys().next().value!);
    return undefined;
  }

  private keep(executionId: string, cause: ExecutionCause): void {
    this.recent.delete(executionId);
    this.recent.set(executionId, cause);
    if (this.recent.size > this.capacity) this.recent.delete(this.recent.keys().next().value!);
  }
}
