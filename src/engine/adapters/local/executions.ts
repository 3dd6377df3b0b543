// The local engine's workflow and task executions: created by targets, then claimed, heartbeaten, completed, failed
// or cancelled by workers.
import type { JsonValue } from '../../../core/envelope.js';
import type { EventhookError } from '../../../core/errors.js';
import { newId } from '../../../core/ids.js';
import type { ExecutionHolder, Page, StoreRepos } from '../../../store/port.js';
import type { NewEvent, PromiseRecord, WorkflowRecord } from '../../../store/records.js';
import type {
  ClaimRequest,
  CreateTask,
  EngineResult,
  ExecutionKind,
  ExecutionListFilter,
  PageRequest,
} from '../../port.js';
import { causeCorrelationId, engineInput, kindConflict, META_EVENT, META_HOPS } from '../../port.js';
import { alreadyFinished, notFound, notHeld, what } from './engine-errors.js';
import { rejectPromisesOfEnded } from './ended-workflow-promises.js';
import { EnginePart, POLL_MS, type Execution } from './engine-part.js';
import { executionEvent } from './lifecycle.js';

const DEFAULT_QUEUE = 'default';
export const DEFAULT_TASK_RETRIES = 3;
/** The error of an execution cancelled without a reason: a worker's EH_ENGINE_CANCELLED ends with it. */
const NO_REASON = 'no reason given';

export class LocalExecutions extends EnginePart {
  async createExecution(kind: ExecutionKind, req: CreateTask): Promise<EngineResult> {
    // Flovyn's limit, kept here too: a rule whose input is too large fails alike on either engine.
    engineInput(kind, req.input, req.inputExactIntegers);
    const now = this.clock.now();
    const metadata: Record<string, string> = { ...(req.metadata ?? {}) };
    if (req.causeEventId) metadata[META_EVENT] = req.causeEventId;
    if (req.causeHopCount !== undefined) metadata[META_HOPS] = String(req.causeHopCount);
    const base: WorkflowRecord = {
      id: newId(kind === 'workflow' ? 'workflow' : 'task', now),
      org: req.org,
      kind: req.kind,
      queue: req.queue ?? DEFAULT_QUEUE,
      status: 'pending',
      input: req.input,
      output: null,
      error: null,
      idempotencyKey: req.idempotencyKey,
      metadata,
      workerId: null,
      leaseUntil: null,
      createdAt: now,
      startedAt: null,
      completedAt: null,
      correlationId: causeCorrelationId(req) ?? null,
      traceparent: req.traceparent ?? null,
      ...(req.inputExactIntegers ? { inputExactIntegers: req.inputExactIntegers } : {}),
    };
    const record: Execution =
      kind === 'task'
        ? { ...base, maxRetries: req.maxRetries ?? DEFAULT_TASK_RETRIES, executionCount: 0 }
        : base;
    const result = await this.commit(async (tx) => {
      const r = await this.repo(tx, kind).insertIdempotent(record);
      // Keys are per org, whatever the kind, as Flovyn keeps them: another kind's execution is a visible failure.
      if (r.record.kind !== req.kind) throw kindConflict(req, kind, r.record.id, r.record.kind);
      return { value: r, events: r.created ? [executionEvent(kind, 'created', r.record, now)] : [] };
    });
    if (result.created) this.ring(`${kind}.${req.org}`);
    return { id: result.record.id, created: result.created };
  }

  list(
    kind: ExecutionKind,
    org: string,
    filter: ExecutionListFilter,
    page: PageRequest,
  ): Promise<Page<Execution>> {
    return this.repo(this.store, kind).list(org, filter, page);
  }

  async get(kind: ExecutionKind, org: string, id: string): Promise<Execution> {
    const r = await this.repo(this.store, kind).get(org, id);
    if (!r) throw notFound(what(kind), id);
    return r;
  }

  async claim(
    kind: ExecutionKind,
    org: string,
    req: ClaimRequest,
    signal?: AbortSignal,
  ): Promise<Execution | undefined> {
    const deadline = this.clock.now() + req.waitMs;
    for (;;) {
      const now = this.clock.now();
      const claimed = await this.commit(async (tx) => {
        const r = await this.repo(tx, kind).claim(org, { ...req, leaseUntil: now + req.leaseMs, now });
        // The first claim starts the execution; a re-claim after an expired lease is not a new start (though, for a
        // task, it is a new execution: executionCount counts claims, which is how maxRetries bounds the runs).
        const first =
          r !== undefined && ('executionCount' in r ? r.executionCount === 1 : r.startedAt === now);
        return { value: r, events: r && first ? [executionEvent(kind, 'started', r, now)] : [] };
      });
      const remaining = deadline - this.clock.now();
      if (claimed || remaining <= 0 || signal?.aborted) return claimed;
      await this.waiters.wait(`${kind}.${org}`, Math.min(remaining, POLL_MS), signal);
    }
  }

  async heartbeat(
    kind: ExecutionKind,
    org: string,
    id: string,
    holder: ExecutionHolder,
    leaseMs: number,
  ): Promise<Execution> {
    const r = await this.repo(this.store, kind).update(org, id, holder, {
      leaseUntil: this.clock.now() + leaseMs,
    });
    if (!r) throw await this.leaseError(kind, org, id);
    return r;
  }

  /** Ends a claimed execution `completed`; a workflow's promises still pending are rejected with it. */
  async complete(
    kind: ExecutionKind,
    org: string,
    id: string,
    holder: ExecutionHolder,
    output: JsonValue,
  ): Promise<Execution> {
    const now = this.clock.now();
    const { execution, promises } = await this.commit(async (tx) => {
      const r = await this.repo(tx, kind).update(org, id, holder, {
        status: 'completed',
        output,
        completedAt: now,
        leaseUntil: null,
      });
      if (!r) throw await this.leaseError(kind, org, id, tx);
      return this.ended(tx, kind, r, [executionEvent(kind, 'completed', r, now)], now);
    });
    this.ringPromises(promises);
    return execution;
  }

  /**
   * Fails a claimed execution: a task with retries left goes back to its queue; a workflow (which has no retries of
   * its own: a worker's `fail` is its end) or a task without ends `failed`, a workflow's pending promises with it.
   */
  async fail(
    kind: ExecutionKind,
    org: string,
    id: string,
    holder: ExecutionHolder,
    error: string,
  ): Promise<Execution> {
    const now = this.clock.now();
    const { execution, promises } = await this.commit(async (tx) => {
      const current = await this.repo(tx, kind).get(org, id);
      const retry =
        current !== undefined && 'executionCount' in current && current.executionCount <= current.maxRetries;
      const r = await this.repo(tx, kind).update(
        org,
        id,
        holder,
        retry
          ? { status: 'pending', error, workerId: null, leaseUntil: null }
          : { status: 'failed', error, completedAt: now, leaseUntil: null },
      );
      if (!r) throw await this.leaseError(kind, org, id, tx);
      if (retry)
        return { value: { execution: r, promises: [] }, events: [executionEvent(kind, 'retrying', r, now)] };
      return this.ended(tx, kind, r, [executionEvent(kind, 'failed', r, now)], now);
    });
    if (execution.status === 'pending') this.ring(`${kind}.${org}`);
    this.ringPromises(promises);
    return execution;
  }

  /**
   * Ends a pending or running execution `cancelled`, with its `workflow.cancelled` / `task.cancelled` event in the same
   * transaction. A worker running it learns so at its next heartbeat, completion or failure (EH_ENGINE_CANCELLED),
   * none of which changes it any more. One already cancelled is answered as it is (a repeated call changes nothing and
   * stores no second event); one that completed or failed is a conflict, as its end can no longer be changed. A
   * cancelled workflow's pending promises are rejected with it, and their waiters woken.
   */
  async cancel(kind: ExecutionKind, org: string, id: string, reason: string | undefined): Promise<Execution> {
    const now = this.clock.now();
    const { execution, promises } = await this.commit(async (tx) => {
      const r = await this.repo(tx, kind).cancel(org, id, reason ?? NO_REASON, now);
      if (r) return this.ended(tx, kind, r, [executionEvent(kind, 'cancelled', r, now)], now);
      // Not pending nor running: ended already (an end is final), or not there.
      const current = await this.repo(tx, kind).get(org, id);
      if (!current) throw notFound(what(kind), id);
      if (current.status !== 'cancelled') throw alreadyFinished(kind, current);
      return { value: { execution: current, promises: [] }, events: [] };
    });
    this.ringPromises(promises);
    return execution;
  }

  /**
   * What ending `r` (just completed, failed for good or cancelled in `tx`) commits: its own lifecycle
   * `events` and, for a workflow, the rejection of its pending promises with their events, whose waiters the caller
   * rings after the commit (ringPromises). A task's end touches no promise: promises belong to workflows.
   */
  private async ended(
    tx: StoreRepos,
    kind: ExecutionKind,
    r: Execution,
    events: NewEvent[],
    now: number,
  ): Promise<{ value: { execution: Execution; promises: PromiseRecord[] }; events: NewEvent[] }> {
    if (kind === 'task') return { value: { execution: r, promises: [] }, events };
    const rejected = await rejectPromisesOfEnded(tx, r, now);
    return { value: { execution: r, promises: rejected.promises }, events: [...events, ...rejected.events] };
  }

  private async leaseError(
    kind: ExecutionKind,
    org: string,
    id: string,
    tx: StoreRepos = this.store,
  ): Promise<EventhookError> {
    return notHeld(kind, id, await this.repo(tx, kind).get(org, id));
  }
}
