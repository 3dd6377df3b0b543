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
//
// Causes are an org's own (migration 028): an event of one org naming an execution id another org's start recorded
// must not carry that org's event, correlation, trace or hops.
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

/** The in-memory key of an org's execution; a newline is in no org slug. */
const keyOf = (org: string, executionId: string) => `${org}\n${executionId}`;

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
  async remember(org: string, executionId: string, cause: ExecutionCause, made = false): Promise<void> {
    // A start whose key named an execution already started (a replay, another event with the same business key) is
    // not its cause: the store keeps the first, and so must this process, or its events would carry another chain's
    // correlation and hops here than in every other process.
    const key = keyOf(org, executionId);
    if (await this.store.remember({ org, executionId, ...cause, createdAt: this.now() }, made))
      this.keep(key, cause);
    // The store has its cause: an execution taken for a stranger's before it was written reads it next time.
    else this.foreign.delete(key);
  }

  async of(org: string, executionId: string): Promise<ExecutionCause | undefined> {
    const key = keyOf(org, executionId);
    const known = this.recent.get(key);
    if (known) return known;
    if ((this.foreign.get(key) ?? 0) > this.now()) return undefined;
    for (const wait of [...this.recheckMs, null]) {
      const stored = await this.store.of(org, executionId);
      if (stored) {
        const { org: _org, executionId: _id, createdAt: _at, ...cause } = stored;
        this.keep(key, cause);
        return cause;
      }
      if (wait === null) break;
      await new Promise((r) => setTimeout(r, wait));
      // Remembered meanwhile by this process's own start.
      const remembered = this.recent.get(key);
      if (remembered) return remembered;
    }
    this.foreign.delete(key);
    this.foreign.set(key, this.now() + FOREIGN_MS);
    if (this.foreign.size > this.capacity) this.foreign.delete(this.foreign.keys().next().value!);
    return undefined;
  }

  private keep(key: string, cause: ExecutionCause): void {
    this.recent.delete(key);
    this.recent.set(key, cause);
    if (this.recent.size > this.capacity) this.recent.delete(this.recent.keys().next().value!);
  }
}
