// Lifecycle events of the local engine (workflow.started, task.failed, promise.resolved, …) as stored events.
import type { JsonValue } from '../../../core/envelope.js';
import { SYSTEM_SOURCES } from '../../../core/envelope.js';
import { newSystemEvent } from '../../../events/publisher.js';
import { causeCorrelationId, META_EVENT, META_HOPS, type EventCause } from '../../port.js';
import type {
  ExecutionStatus,
  NewEvent,
  PromiseRecord,
  PromiseStatus,
  TaskRecord,
  WorkflowRecord,
} from '../../../store/records.js';

/**
 * A status as lifecycle events spell it: upper case, as Flovyn's snapshots do (`COMPLETED`, `FAILED`), so a rule on
 * `data.status` matches whichever engine ran the execution. The API's own views (`GET …/engine/workflows/{id}`)
 * keep the store's lower case, as every other status there is written.
 */
export function lifecycleStatus<S extends ExecutionStatus | PromiseStatus>(status: S): Uppercase<S> {
  return status.toUpperCase() as Uppercase<S>;
}

export type ExecutionEventType = 'created' | 'started' | 'completed' | 'failed' | 'retrying' | 'cancelled';

export function executionEvent(
  kind: 'workflow' | 'task',
  type: ExecutionEventType,
  r: WorkflowRecord | TaskRecord,
  now: number,
): NewEvent {
  const data: Record<string, JsonValue> = {
    id: r.id,
    kind: r.kind,
    queue: r.queue,
    status: lifecycleStatus(r.status),
    metadata: r.metadata,
  };
  if (type === 'created') data.input = r.input;
  if (type === 'completed') data.output = r.output;
  if (r.error !== null) data.error = r.error;
  if (r.workerId !== null) data.workerId = r.workerId;
  if ('executionCount' in r) {
    data.executionCount = r.executionCount;
    data.maxRetries = r.maxRetries;
  }
  return newSystemEvent({
    org: r.org,
    source: kind === 'workflow' ? SYSTEM_SOURCES.workflows : SYSTEM_SOURCES.tasks,
    type: `${kind}.${type}`,
    data,
    subject: r.id,
    now,
    ...causeFields(executionCause(r)),
  });
}

/**
 * The event that started an execution, as its lifecycle goes on carrying it (an execution from before migration 017
 * has no correlation id nor trace kept: its cause's id, as then).
 */
export function executionCause(r: WorkflowRecord | TaskRecord): EventCause {
  const cause: EventCause = { causeHopCount: Number(r.metadata[META_HOPS] ?? 0) };
  const correlationId = r.correlationId ?? r.metadata[META_EVENT];
  if (correlationId !== undefined) cause.correlationId = correlationId;
  if (r.traceparent !== null) cause.traceparent = r.traceparent;
  return cause;
}

/** A lifecycle event's correlation, trace and hop count: its cause's, one hop more. */
function causeFields(cause: EventCause): Pick<NewEvent, 'correlationId' | 'traceparent' | 'hopCount'> {
  return {
    correlationId: causeCorrelationId(cause) ?? null,
    traceparent: cause.traceparent ?? null,
    hopCount: (cause.causeHopCount ?? 0) + 1,
  };
}

/**
 * A promise's event, carrying its cause as the executions' events do: for a settlement, the event whose rule resolved
 * or rejected it; for a creation, the cause of the workflow it was made for. A promise with no cause (one created for
 * no known workflow) has no correlation id, and hop count 1.
 */
export function promiseEvent(
  type: 'created' | 'resolved' | 'rejected',
  p: PromiseRecord,
  now: number,
  cause: EventCause = {},
): NewEvent {
  // Flovyn's promise events carry no status; ours do, spelt as the executions' are (PENDING, RESOLVED, REJECTED).
  const data: Record<string, JsonValue> = { id: p.id, status: lifecycleStatus(p.status) };
  if (p.key !== null) data.key = p.key;
  if (p.workflowId !== null) data.workflowId = p.workflowId;
  if (type === 'resolved') data.value = p.value;
  if (type === 'rejected') data.error = p.error;
  return newSystemEvent({
    org: p.org,
    source: SYSTEM_SOURCES.promises,
    type: `promise.${type}`,
    data,
    subject: p.id,
    now,
    ...causeFields(cause),
  });
}
