// Which event caused each execution this deployment started on Flovyn, and at what hop count. Flovyn keeps the
// metadata Eventhook sends, but its lifecycle events carry no metadata, and any process of the deployment may take
// them; so the cause is written to the store (every process reads it there) and kept in memory by the process that
// started the execution (no read for the events that come back to it).
import type { ExecutionCausesRepo } from '../../../store/port.js';

export interface ExecutionCause {
  eventId: string;
  hops: number;
}

export class ExecutionCauses {
  private readonly recent = new Map<string, ExecutionCause>();

  constructor(
    private readonly store: ExecutionCausesRepo,
    private readonly now: () => number,
    private readonly capacity = 10_000,
  ) {}

  async remember(executionId: string, cause: ExecutionCause): Promise<void> {
    await this.store.remember({ executionId, ...cause, createdAt: this.now() });
    this.keep(executionId, cause);
  }

  async of(executionId: string): Promise<ExecutionCause | undefined> {
    const known = this.recent.get(executionId);
    if (known) return known;
    const stored = await this.store.of(executionId);
    if (!stored) return undefined;
    const cause = { eventId: stored.eventId, hops: stored.hops };
    this.keep(executionId, cause);
    return cause;
  }

  private keep(executionId: string, cause: ExecutionCause): void {
    this.recent.delete(executionId);
    this.recent.set(executionId, cause);
    if (this.recent.size > this.capacity) this.recent.delete(this.recent.keys().next().value!);
  }
}
