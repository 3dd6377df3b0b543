// Which event caused each execution this process started on Flovyn, and at what hop count. Flovyn keeps the
// metadata Eventhook sends, but its lifecycle events carry no metadata, so without this an event from a workflow a
// rule started would count one hop, and a rule that starts a workflow on every `workflow.completed` would loop
// without end. Bounded: the oldest entries go first; an execution forgotten (or started by another process) counts
// from one again, as an event from outside would.
export interface ExecutionCause {
  eventId: string;
  hops: number;
}

export class ExecutionCauses {
  private readonly causes = new Map<string, ExecutionCause>();

  constructor(private readonly capacity = 100_000) {}

  remember(executionId: string, cause: ExecutionCause): void {
    this.causes.delete(executionId);
    this.causes.set(executionId, cause);
    if (this.causes.size > this.capacity) this.causes.delete(this.causes.keys().next().value!);
  }

  of(executionId: string): ExecutionCause | undefined {
    return this.causes.get(executionId);
  }
}
