// The local engine (SPEC §7): durable workflow executions, task executions and promises in Eventhook's own store.
// Every state change commits its lifecycle event in the same transaction, then rings the bus.
import type { Bus } from '../../../bus/port.js';
import type { Clock } from '../../../core/clock.js';
import type { JsonValue } from '../../../core/envelope.js';
import type { EventhookError } from '../../../core/errors.js';
import { newId } from '../../../core/ids.js';
import type { EventPublisher } from '../../../events/publisher.js';
import { stageEvents } from '../../../events/publisher.js';
import type { ExecutionsRepo, Page, Store, StoreRepos } from '../../../store/port.js';
import type { NewEvent, PromiseRecord, TaskRecord, WorkflowRecord } from '../../../store/records.js';
import type {
  ClaimRequest,
  CreateTask,
  Engine,
  EngineResult,
  ExecutionKind,
  ExecutionListFilter,
  PageRequest,
  PromiseListFilter,
  PromiseOutcome,
  SettlePromise,
  StartWorkflow,
  WorkerApi,
} from '../../port.js';
import { causeCorrelationId, kindConflict, META_EVENT, META_HOPS } from '../../port.js';
import { rejectPromisesOfCancelled } from './cancelled-promises.js';
import { alreadyFinished, notFound, notHeld, promiseKeyConflict, what } from './engine-errors.js';
import { executionCause, executionEvent, promiseEvent } from './lifecycle.js';
import { Waiters } from './waiters.js';

const DEFAULT_QUEUE = 'default';
const DEFAULT_TASK_RETRIES = 3;
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
/** The error of an execution cancelled without a reason: a worker's EH_ENGINE_CANCELLED ends with it. */
const NO_REASON = 'no reason given';
/** Long-polls re-read the store at least this often, to notice changes made by other processes. */
const POLL_MS = 500;

type Execution = WorkflowRecord | TaskRecord;

export class LocalEngine implements Engine, WorkerApi {
  readonly name = 'local';
  private readonly waiters = new Waiters();

  constructor(
    private readonly store: Store,
    private readonly publisher: EventPublisher,
    private readonly bus: Bus,
    private readonly clock: Clock,
  ) {
    bus.subscribe<{ topic: string }>('engine.>', (m) => this.waiters.wake(m.data.topic));
  }

  // ── Engine (called by targets) ────────────────────────────────────────────────────────────────────────────

  startWorkflow(req: StartWorkflow): Promise<EngineResult> {
    return this.createExecution('workflow', req);
  }

  createTask(req: CreateTask): Promise<EngineResult> {
    return this.createExecution('task', req);
  }

  async settlePromise(req: SettlePromise): Promise<PromiseOutcome> {
    const now = this.clock.now();
    const result = await this.commit(async (tx) => {
      const p = await this.findPromise(tx, req.org, req.promise);
      const outcome = await tx.promises.settle(
        req.org,
        p.id,
        req.mode === 'resolve'
          ? { status: 'resolved', value: req.value ?? null, error: null }
          : { status: 'rejected', value: null, error: req.error ?? 'rejected' },
        now,
      );
      if (!outcome) throw notFound('Promise', req.promise);
      const events = outcome.settled
        ? [promiseEvent(req.mode === 'resolve' ? 'resolved' : 'rejected', outcome.record, now, req)]
        : [];
      return { value: outcome, events };
    });
    if (result.settled) this.ring(`promise.${req.org}.${result.record.id}`);
    return { promiseId: result.record.id, settled: result.settled };
  }

  private async createExecution(kind: ExecutionKind, req: CreateTask): Promise<EngineResult> {
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

  // ── WorkerApi (called by workers over HTTP) ─────────────────────────────────────────────────────────────

  list(
    kind: 'workflow',
    org: string,
    filter: ExecutionListFilter,
    page: PageRequest,
  ): Promise<Page<WorkflowRecord>>;
  list(kind: 'task', org: string, filter: ExecutionListFilter, page: PageRequest): Promise<Page<TaskRecord>>;
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
    workerId: string,
    leaseMs: number,
  ): Promise<Execution> {
    const r = await this.repo(this.store, kind).update(org, id, workerId, {
      leaseUntil: this.clock.now() + leaseMs,
    });
    if (!r) throw await this.leaseError(kind, org, id);
    return r;
  }

  async complete(
    kind: ExecutionKind,
    org: string,
    id: string,
    workerId: string,
    output: JsonValue,
  ): Promise<Execution> {
    const now = this.clock.now();
    return this.commit(async (tx) => {
      const r = await this.repo(tx, kind).update(org, id, workerId, {
        status: 'completed',
        output,
        completedAt: now,
        leaseUntil: null,
      });
      if (!r) throw await this.leaseError(kind, org, id, tx);
      return { value: r, events: [executionEvent(kind, 'completed', r, now)] };
    });
  }

  async fail(
    kind: ExecutionKind,
    org: string,
    id: string,
    workerId: string,
    error: string,
  ): Promise<Execution> {
    const now = this.clock.now();
    const result = await this.commit(async (tx) => {
      const current = await this.repo(tx, kind).get(org, id);
      // A task with retries left goes back to its queue; workflows and exhausted tasks fail for good.
      const retry =
        current !== undefined && 'executionCount' in current && current.executionCount <= current.maxRetries;
      const r = await this.repo(tx, kind).update(
        org,
        id,
        workerId,
        retry
          ? { status: 'pending', error, workerId: null, leaseUntil: null }
          : { status: 'failed', error, completedAt: now, leaseUntil: null },
      );
      if (!r) throw await this.leaseError(kind, org, id, tx);
      return { value: r, events: [executionEvent(kind, retry ? 'retrying' : 'failed', r, now)] };
    });
    if (result.status === 'pending') this.ring(`${kind}.${org}`);
    return result;
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
      if (r) {
        const rejected =
          kind === 'workflow' ? await rejectPromisesOfCancelled(tx, r, now) : { promises: [], events: [] };
        return {
          value: { execution: r, promises: rejected.promises },
          events: [executionEvent(kind, 'cancelled', r, now), ...rejected.events],
        };
      }
      // Not pending nor running: ended already (an end is final), or not there.
      const current = await this.repo(tx, kind).get(org, id);
      if (!current) throw notFound(what(kind), id);
      if (current.status !== 'cancelled') throw alreadyFinished(kind, current);
      return { value: { execution: current, promises: [] }, events: [] };
    });
    for (const p of promises) this.ring(`promise.${org}.${p.id}`);
    return execution;
  }

  /**
   * Creates a promise, or, when `key` names one already, answers that one (`created: false`), as Flovyn treats a
   * promise's key: an idempotency key. A workflow that resumes after its worker crashed makes its promises again,
   * and must get the ones it made (perhaps settled meanwhile) rather than a conflict. A key held by another
   * workflow's promise is a conflict: the two would wait on one settlement without knowing it.
   */
  async createPromise(
    org: string,
    req: { key?: string; workflowId?: string },
  ): Promise<{ record: PromiseRecord; created: boolean }> {
    const now = this.clock.now();
    const record: PromiseRecord = {
      id: newId('promise', now),
      org,
      key: req.key ?? null,
      status: 'pending',
      value: null,
      error: null,
      workflowId: req.workflowId ?? null,
      createdAt: now,
      settledAt: null,
    };
    return this.commit<{ record: PromiseRecord; created: boolean }>(async (tx) => {
      // Read first, then insert: the insert refuses a taken key (ON CONFLICT DO NOTHING, so a PostgreSQL transaction
      // survives it), and a racing creation that wins in between is read back the same way.
      const existing = async () => (record.key === null ? undefined : tx.promises.getByKey(org, record.key));
      const held =
        (await existing()) ??
        (await tx.promises.insert(record).then(
          () => undefined,
          async (err: unknown) => {
            const winner = await existing();
            if (winner === undefined) throw err;
            return winner;
          },
        ));
      if (held !== undefined) {
        if (held.workflowId !== record.workflowId) throw promiseKeyConflict(held, record.workflowId);
        return { value: { record: held, created: false }, events: [] };
      }
      // A promise made for a workflow of this engine goes on in that workflow's correlation and trace.
      const workflow = req.workflowId === undefined ? undefined : await tx.workflows.get(org, req.workflowId);
      const cause = workflow === undefined ? {} : executionCause(workflow);
      return { value: { record, created: true }, events: [promiseEvent('created', record, now, cause)] };
    });
  }

  listPromises(org: string, filter: PromiseListFilter, page: PageRequest): Promise<Page<PromiseRecord>> {
    return this.store.promises.list(org, filter, page);
  }

  async getPromise(org: string, idOrKey: string): Promise<PromiseRecord> {
    return this.findPromise(this.store, org, idOrKey);
  }

  async awaitPromise(
    org: string,
    idOrKey: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<PromiseRecord> {
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      const p = await this.findPromise(this.store, org, idOrKey);
      const remaining = deadline - this.clock.now();
      if (p.status !== 'pending' || remaining <= 0 || signal?.aborted) return p;
      await this.waiters.wait(`promise.${org}.${p.id}`, Math.min(remaining, POLL_MS), signal);
    }
  }

  /**
   * Ends the executions whose worker stopped heartbeating as failed executions, as `fail` would: a task with
   * retries left goes back to its queue (`task.retrying`), one without ends `failed` (`task.failed`). A workflow
   * is durable across worker crashes: it goes back to its queue (`workflow.retrying`) for another worker to resume,
   * up to WORKFLOW_LEASE_RETRIES times; the next expiry ends it `failed` (`workflow.failed`). It runs every sweep interval, mostly with nothing to do: it first reads whether any
   * lease expired, and only then writes, both kinds' changes and their lifecycle events in one transaction (an idle
   * sweep never takes SQLite's write lock).
   */
  async releaseExpiredLeases(): Promise<number> {
    const now = this.clock.now();
    const kinds = ['workflow', 'task'] as const;
    const expired = await Promise.all(kinds.map((kind) => this.repo(this.store, kind).anyExpired(now)));
    if (!expired.includes(true)) return 0;
    const released = await this.commit(async (tx) => {
      const out: { kind: ExecutionKind; retried: Execution[]; failed: Execution[] }[] = [];
      for (const kind of kinds.filter((_, i) => expired[i]))
        out.push({
          kind,
          ...(await this.repo(tx, kind).releaseExpired(now, LEASE_EXPIRED, WORKFLOW_LEASE_RETRIES)),
        });
      return {
        value: out,
        events: out.flatMap(({ kind, retried, failed }) => [
          ...failed.map((x) => executionEvent(kind, 'failed', x, now)),
          ...retried.map((x) => executionEvent(kind, 'retrying', x, now)),
        ]),
      };
    });
    let n = 0;
    for (const { kind, retried, failed } of released) {
      n += retried.length + failed.length;
      for (const org of new Set(retried.map((r) => r.org))) this.ring(`${kind}.${org}`);
    }
    return n;
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────────────────

  private repo(tx: StoreRepos, kind: ExecutionKind): ExecutionsRepo<Execution> {
    return (kind === 'workflow' ? tx.workflows : tx.tasks) as ExecutionsRepo<Execution>;
  }

  /** Runs a state change and its lifecycle events in one transaction, then announces the events. */
  private async commit<T>(fn: (tx: StoreRepos) => Promise<{ value: T; events: NewEvent[] }>): Promise<T> {
    const { value, events } = await this.store.transaction(async (tx) => {
      const out = await fn(tx);
      await stageEvents(tx, out.events);
      return out;
    });
    await this.publisher.announce(events);
    return value;
  }

  private ring(topic: string): void {
    this.waiters.wake(topic);
    void this.bus.publish('engine.wake', { topic });
  }

  private async findPromise(tx: StoreRepos, org: string, ref: string): Promise<PromiseRecord> {
    const p = ref.startsWith('key:')
      ? await tx.promises.getByKey(org, ref.slice(4))
      : await tx.promises.get(org, ref.startsWith('id:') ? ref.slice(3) : ref);
    if (!p) throw notFound('Promise', ref);
    return p;
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
