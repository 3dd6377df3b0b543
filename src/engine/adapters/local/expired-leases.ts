// The local engine's lease sweep: executions whose worker stopped heartbeating go back to their queue or fail.
import type { ExecutionKind } from '../../port.js';
import type { NewEvent, PromiseRecord } from '../../../store/records.js';
import { rejectPromisesOfEnded } from './ended-workflow-promises.js';
import { EnginePart, type Execution } from './engine-part.js';
import { DEFAULT_TASK_RETRIES } from './executions.js';
import { executionEvent } from './lifecycle.js';

/**
 * How many expired leases send a workflow back to its queue; the next one fails it. A workflow has no maxRetries of
 * its own (Flovyn's have none either), so it gets the tasks' default: a worker that always crashes on it ends it
 * `failed` after 4 tries, rather than it going round for ever.
 */
const WORKFLOW_LEASE_RETRIES = DEFAULT_TASK_RETRIES;
/**
 * The error of an execution whose lease expired (one that fails for good adds how many executions, or for a workflow
 * how many expired leases, it had).
 */
const LEASE_EXPIRED = 'lease expired: the worker stopped heartbeating';

export class ExpiredLeases extends EnginePart {
  /**
   * Ends the executions whose worker stopped heartbeating as failed executions, as `fail` would: a task with
   * retries left goes back to its queue (`task.retrying`), one without ends `failed` (`task.failed`). A workflow
   * is durable across worker crashes: it goes back to its queue (`workflow.retrying`) for another worker to resume,
   * up to WORKFLOW_LEASE_RETRIES times; the next expiry ends it `failed` (`workflow.failed`), rejecting its pending
   * promises (`promise.rejected`) as a worker's `fail` does. It runs every sweep interval, mostly with nothing to
   * do: it first reads whether any lease expired, and only then writes, both kinds' changes and their lifecycle
   * events in one transaction (an idle sweep never takes SQLite's write lock).
   */
  async releaseExpiredLeases(): Promise<number> {
    const now = this.clock.now();
    const kinds = ['workflow', 'task'] as const;
    const expired = await Promise.all(kinds.map((kind) => this.repo(this.store, kind).anyExpired(now)));
    if (!expired.includes(true)) return 0;
    const { released, promises } = await this.commit(async (tx) => {
      const out: { kind: ExecutionKind; retried: Execution[]; failed: Execution[] }[] = [];
      for (const kind of kinds.filter((_, i) => expired[i]))
        out.push({
          kind,
          ...(await this.repo(tx, kind).releaseExpired(now, LEASE_EXPIRED, WORKFLOW_LEASE_RETRIES)),
        });
      // A workflow that failed for good ends as one its worker failed: its pending promises are rejected with it.
      // One sent back to its queue is not ended, and keeps them for the worker that resumes it.
      const rejected: { promises: PromiseRecord[]; events: NewEvent[] }[] = [];
      for (const { kind, failed } of out)
        if (kind === 'workflow')
          for (const x of failed) rejected.push(await rejectPromisesOfEnded(tx, x, now));
      return {
        value: { released: out, promises: rejected.flatMap((r) => r.promises) },
        events: [
          ...out.flatMap(({ kind, retried, failed }) => [
            ...failed.map((x) => executionEvent(kind, 'failed', x, now)),
            ...retried.map((x) => executionEvent(kind, 'retrying', x, now)),
          ]),
          ...rejected.flatMap((r) => r.events),
        ],
      };
    });
    this.ringPromises(promises);
    let n = 0;
    for (const { kind, retried, failed } of released) {
      n += retried.length + failed.length;
      for (const org of new Set(retried.map((r) => r.org))) this.ring(`${kind}.${org}`);
    }
    return n;
  }
}
