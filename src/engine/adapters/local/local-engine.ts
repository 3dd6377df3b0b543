// The local engine (SPEC §7): durable workflow executions, task executions and promises in Eventhook's own store.
// Every state change commits its lifecycle event in the same transaction, then rings the bus.
// This class is the engine's face to targets (Engine) and workers (WorkerApi); the operations live in its parts:
// executions.ts, promises.ts and expired-leases.ts, on the shared transaction and wake-ups of engine-part.ts.
import type { Bus } from '../../../bus/port.js';
import type { Clock } from '../../../core/clock.js';
import type { JsonValue } from '../../../core/envelope.js';
import type { EventPublisher } from '../../../events/publisher.js';
import type { ExecutionHolder, Page, Store } from '../../../store/port.js';
import type { PromiseRecord, TaskRecord, WorkflowRecord } from '../../../store/records.js';
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
import type { Execution } from './engine-part.js';
import { LocalExecutions } from './executions.js';
import { ExpiredLeases } from './expired-leases.js';
import { LocalPromises } from './promises.js';
import { Waiters } from './waiters.js';

export class LocalEngine implements Engine, WorkerApi {
  readonly name = 'local';
  private readonly executions: LocalExecutions;
  private readonly promises: LocalPromises;
  private readonly leases: ExpiredLeases;

  constructor(store: Store, publisher: EventPublisher, bus: Bus, clock: Clock) {
    const waiters = new Waiters();
    bus.subscribe<{ topic: string }>('engine.>', (m) => waiters.wake(m.data.topic));
    this.executions = new LocalExecutions(store, publisher, bus, clock, waiters);
    this.promises = new LocalPromises(store, publisher, bus, clock, waiters);
    this.leases = new ExpiredLeases(store, publisher, bus, clock, waiters);
  }

  // ── Engine (called by targets) ────────────────────────────────────────────────────────────────────────────

  startWorkflow(req: StartWorkflow): Promise<EngineResult> {
    return this.executions.createExecution('workflow', req);
  }

  createTask(req: CreateTask): Promise<EngineResult> {
    return this.executions.createExecution('task', req);
  }

  settlePromise(req: SettlePromise): Promise<PromiseOutcome> {
    return this.promises.settlePromise(req);
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
    return this.executions.list(kind, org, filter, page);
  }

  get(kind: ExecutionKind, org: string, id: string): Promise<Execution> {
    return this.executions.get(kind, org, id);
  }

  claim(
    kind: ExecutionKind,
    org: string,
    req: ClaimRequest,
    signal?: AbortSignal,
  ): Promise<Execution | undefined> {
    return this.executions.claim(kind, org, req, signal);
  }

  heartbeat(
    kind: ExecutionKind,
    org: string,
    id: string,
    holder: ExecutionHolder,
    leaseMs: number,
  ): Promise<Execution> {
    return this.executions.heartbeat(kind, org, id, holder, leaseMs);
  }

  complete(
    kind: ExecutionKind,
    org: string,
    id: string,
    holder: ExecutionHolder,
    output: JsonValue,
  ): Promise<Execution> {
    return this.executions.complete(kind, org, id, holder, output);
  }

  fail(
    kind: ExecutionKind,
    org: string,
    id: string,
    holder: ExecutionHolder,
    error: string,
  ): Promise<Execution> {
    return this.executions.fail(kind, org, id, holder, error);
  }

  /** Ends a pending or running execution `cancelled` (see LocalExecutions.cancel). */
  cancel(kind: ExecutionKind, org: string, id: string, reason: string | undefined): Promise<Execution> {
    return this.executions.cancel(kind, org, id, reason);
  }

  /** Creates a promise, or answers the one its key names already (see LocalPromises.createPromise). */
  createPromise(
    org: string,
    req: { key?: string; workflowId?: string },
  ): Promise<{ record: PromiseRecord; created: boolean }> {
    return this.promises.createPromise(org, req);
  }

  listPromises(org: string, filter: PromiseListFilter, page: PageRequest): Promise<Page<PromiseRecord>> {
    return this.promises.listPromises(org, filter, page);
  }

  getPromise(org: string, idOrKey: string): Promise<PromiseRecord> {
    return this.promises.getPromise(org, idOrKey);
  }

  awaitPromise(
    org: string,
    idOrKey: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<PromiseRecord> {
    return this.promises.awaitPromise(org, idOrKey, timeoutMs, signal);
  }

  /** Ends the executions whose worker stopped heartbeating (see ExpiredLeases.releaseExpiredLeases). */
  releaseExpiredLeases(): Promise<number> {
    return this.leases.releaseExpiredLeases();
  }
}
