// Lifecycle events of the local engine (workflow.started, task.failed, promise.resolved, …) as stored events.
import type { JsonValue } from '../../../core/envelope.js';
import { SYSTEM_SOURCES } from '../../../core/envelope.js';
import { newSystemEvent } from '../../../events/publisher.js';
import { META_EVENT, META_HOPS } from '../../port.js';
import type { NewEvent, PromiseRecord, TaskRecord, WorkflowRecord } from '../../../store/records.js';

export type ExecutionEventType = 'created' | 'started' | 'completed' | 'failed' | 'retrying';

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
    status: r.status,
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
    // The correlation and trace of the event that started the execution go on through its lifecycle (an execution
    // from before migration 017 has neither: its cause's id, as then).
    correlationId: r.correlationId ?? r.metadata[META_EVENT] ?? null,
    traceparent: r.traceparent,
    hopCount: Number(r.metadata[META_HOPS] ?? 0) + 1,
  });
}

export function promiseEvent(
  type: 'created' | 'resolved' | 'rejected',
  p: PromiseRecord,
  now: number,
): NewEvent {
  const data: Record<string, JsonValue> = { id: p.id, status: p.status };
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
  });
}
