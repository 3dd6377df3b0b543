// The Engine port (SPEC §7): what workflow, task and promise targets call. Adapters: local (built in), flovyn.
import type { JsonValue } from '../core/envelope.js';
import { stringifyExact, type ExactIntegers } from '../core/exact-integers.js';
import { EventhookError } from '../core/errors.js';
import type { ExecutionHolder, Page } from '../store/port.js';
import type {
  ExecutionStatus,
  PromiseRecord,
  PromiseStatus,
  TaskRecord,
  WorkflowRecord,
} from '../store/records.js';

/** Metadata keys the engines keep with an execution, so its lifecycle events can name their cause and count hops. */
export const META_EVENT = 'eventhook.eventId';
export const META_HOPS = 'eventhook.hops';

/**
 * The failure of a start whose idempotency key names an execution of another kind (two rules sharing a business
 * key): a conflict, so the action is dead at once and visible, rather than a success that started nothing.
 */
export function kindConflict(req: StartWorkflow, what: string, id: string, heldBy: string): EventhookError {
  return new EventhookError('EH_ENGINE_CONFLICT', {
    message:
      `idempotency key ${req.idempotencyKey} already names ${what} ${id} of kind ${heldBy}, not ${req.kind}; ` +
      `give the targets keys of their own (e.g. join(':', ['${req.kind}', <key>]))`,
  });
}

/**
 * The largest workflow or task input, as JSON in UTF-8 bytes: Flovyn's "1 MB" (reference/flovyn.md §1), read as
 * 1 MiB (anything over it Flovyn refuses whichever it means; were it 10^6, its own 413 for what lies between is as
 * final). The local engine keeps the same limit, so a rule that works on one engine works on the other.
 */
export const MAX_INPUT_BYTES = 1024 * 1024;

/**
 * The input as the engine gets it (JSON), or the permanent error of one over MAX_INPUT_BYTES, naming its size: the
 * check costs one serialization, which the engine needs anyway.
 */
export function engineInput(what: 'workflow' | 'task', input: JsonValue, exact?: ExactIntegers): string {
  const json = stringifyExact(input, exact) ?? 'null';
  // A string's UTF-16 length bounds its UTF-8 bytes from below and 3× from above: count only when it matters.
  if (json.length * 3 <= MAX_INPUT_BYTES) return json;
  const size = Buffer.byteLength(json);
  if (size > MAX_INPUT_BYTES)
    throw new EventhookError('EH_ENGINE_INPUT_TOO_LARGE', { what, size, limit: MAX_INPUT_BYTES });
  return json;
}

/** The event that caused an engine call, as the lifecycle events the call leads to carry it on. */
export interface EventCause {
  /** The event that caused this call; lifecycle events carry it as their correlation id. */
  causeEventId?: string;
  /** Hop count of the causing event, so lifecycle events can stop routing loops. */
  causeHopCount?: number;
  /** The causing event's correlation id (its own, or else its id); lifecycle events carry it. */
  correlationId?: string;
  /** The causing event's W3C traceparent: the engine call continues its trace. */
  traceparent?: string;
}

/**
 * The correlation id an execution keeps for its lifecycle events, whichever engine runs it: the causing event's (its
 * own, or else its id, as the targets name it), so a chain of rules and executions stays one correlation.
 */
export function causeCorrelationId(cause: EventCause): string | undefined {
  return cause.correlationId ?? cause.causeEventId;
}

export interface StartWorkflow extends EventCause {
  org: string;
  kind: string;
  queue?: string;
  input: JsonValue;
  /** The integers of `input` beyond 2^53 as they arrived in the causing event (its data's), written out as such. */
  inputExactIntegers?: ExactIntegers;
  /** Deterministic ({eventId}:{ruleId}:{targetIndex} by default): the same key never starts a second execution. */
  idempotencyKey: string;
  metadata?: Record<string, string>;
}

export interface CreateTask extends StartWorkflow {
  maxRetries?: number;
}

/** The cause's correlation, trace and hops go on the promise.resolved / promise.rejected event (local engine). */
export interface SettlePromise extends EventCause {
  org: string;
  /** `id:{id}`, `key:{idempotency key}`, or a bare promise id. */
  promise: string;
  mode: 'resolve' | 'reject';
  value?: JsonValue;
  error?: string;
}

export interface EngineResult {
  id: string;
  /** False when the idempotency key named an existing execution. */
  created: boolean;
}

export interface PromiseOutcome {
  promiseId: string;
  /** True when this call settled it; false when it was already settled (nothing changed). */
  settled: boolean;
}

/**
 * Errors: EventhookError with kind `not_found` (e.g. a promise not created yet — worth retrying later),
 * `conflict` (never succeeds on retry) or `upstream`/`timeout` (transient).
 */
export interface Engine {
  readonly name: string;
  startWorkflow(req: StartWorkflow): Promise<EngineResult>;
  createTask(req: CreateTask): Promise<EngineResult>;
  settlePromise(req: SettlePromise): Promise<PromiseOutcome>;
}

export type ExecutionKind = 'workflow' | 'task';

/**
 * A worker's claim: its `workerId` and its `claimer` (the API key it calls with) become the execution's holder, which
 * its heartbeats, completion and failure must name again.
 */
export interface ClaimRequest extends ExecutionHolder {
  kinds: readonly string[];
  queue: string;
  leaseMs: number;
  /** Long-poll: wait up to this long for work to appear. */
  waitMs: number;
}

/** The worker-facing side of the local engine, served over HTTP under /engine. */
export interface WorkerApi {
  list(
    kind: 'workflow',
    org: string,
    filter: ExecutionListFilter,
    page: PageRequest,
  ): Promise<Page<WorkflowRecord>>;
  list(kind: 'task', org: string, filter: ExecutionListFilter, page: PageRequest): Promise<Page<TaskRecord>>;
  get(kind: ExecutionKind, org: string, id: string): Promise<WorkflowRecord | TaskRecord>;
  claim(
    kind: ExecutionKind,
    org: string,
    req: ClaimRequest,
    signal?: AbortSignal,
  ): Promise<WorkflowRecord | TaskRecord | undefined>;
  /**
   * Heartbeat, complete and fail act on an execution running under `holder` (its workerId and the key that claimed
   * it). Errors: EH_ENGINE_LEASE_LOST when another holder has it (whichever of the two differs: the answer reveals
   * no more than a wrong workerId's), or it is no longer running; EH_ENGINE_CANCELLED; EH_ENGINE_NOT_FOUND.
   */
  heartbeat(
    kind: ExecutionKind,
    org: string,
    id: string,
    holder: ExecutionHolder,
    leaseMs: number,
  ): Promise<WorkflowRecord | TaskRecord>;
  complete(
    kind: ExecutionKind,
    org: string,
    id: string,
    holder: ExecutionHolder,
    output: JsonValue,
  ): Promise<WorkflowRecord | TaskRecord>;
  fail(
    kind: ExecutionKind,
    org: string,
    id: string,
    holder: ExecutionHolder,
    error: string,
  ): Promise<WorkflowRecord | TaskRecord>;
  /**
   * Ends a pending or running execution `cancelled` (its error `reason`); one already cancelled is answered as it is.
   * Errors: EH_ENGINE_FINISHED when it completed or failed, EH_ENGINE_NOT_FOUND.
   */
  cancel(
    kind: ExecutionKind,
    org: string,
    id: string,
    reason: string | undefined,
  ): Promise<WorkflowRecord | TaskRecord>;
  /**
   * `created: false` when `key` named an existing promise of the same workflow, which is answered as it is (even if
   * the workflow ended since). Errors, for a new promise: EH_ENGINE_NOT_FOUND when `workflowId` names no workflow of
   * the org, EH_ENGINE_WORKFLOW_ENDED when it completed, failed or was cancelled; EH_ENGINE_CONFLICT when another
   * workflow's promise holds the key.
   */
  createPromise(
    org: string,
    req: { key?: string; workflowId?: string },
  ): Promise<{ record: PromiseRecord; created: boolean }>;
  listPromises(org: string, filter: PromiseListFilter, page: PageRequest): Promise<Page<PromiseRecord>>;
  getPromise(org: string, idOrKey: string): Promise<PromiseRecord>;
  /** Resolves when the promise settles or `timeoutMs` passes (then with the still-pending record). */
  awaitPromise(org: string, idOrKey: string, timeoutMs: number, signal?: AbortSignal): Promise<PromiseRecord>;
}

export interface ExecutionListFilter {
  kind?: string;
  queue?: string;
  status?: ExecutionStatus;
}

export interface PromiseListFilter {
  status?: PromiseStatus;
  workflowId?: string;
}

export interface PageRequest {
  limit: number;
  before?: string;
}
