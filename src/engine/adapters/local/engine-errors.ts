// The local engine's refusals: an execution or promise that is not there, a call on an execution the worker no longer
// holds (cancelled, finished, taken back), a cancellation that comes too late, a promise key another workflow holds,
// a promise for a workflow that ended.
import { EventhookError } from '../../../core/errors.js';
import type { PromiseRecord, TaskRecord, WorkflowRecord } from '../../../store/records.js';
import type { ExecutionKind } from '../../port.js';

type Execution = WorkflowRecord | TaskRecord;

/** An execution's kind as its problems name it. */
export function what(kind: ExecutionKind): 'Workflow' | 'Task' {
  return kind === 'workflow' ? 'Workflow' : 'Task';
}

export function notFound(name: string, id: string): EventhookError {
  return new EventhookError('EH_ENGINE_NOT_FOUND', { what: name, id });
}

/**
 * Why a worker's heartbeat, completion or failure of `id` found it no longer running under that worker, read from the
 * execution as it is now (`current`), so a worker can tell a cancellation (stop: nobody wants the result) from a
 * duplicate completion or a lease it let run out.
 */
export function notHeld(kind: ExecutionKind, id: string, current: Execution | undefined): EventhookError {
  if (!current) return notFound(what(kind), id);
  if (current.status === 'cancelled')
    return new EventhookError('EH_ENGINE_CANCELLED', { what: what(kind), id, reason: current.error ?? '' });
  const reason =
    current.status === 'pending'
      ? 'its lease ran out and it waits to be claimed again'
      : current.status === 'running'
        ? `worker ${current.workerId ?? '(unknown)'} holds it now`
        : `it is already ${current.status}`;
  return new EventhookError('EH_ENGINE_LEASE_LOST', { what: what(kind), id, reason });
}

/** A cancellation of an execution that already ended completed or failed: too late, nothing was changed. */
export function alreadyFinished(kind: ExecutionKind, current: Execution): EventhookError {
  return new EventhookError('EH_ENGINE_FINISHED', {
    what: what(kind),
    id: current.id,
    status: current.status,
  });
}

/** A new promise for a workflow that already ended (completed, failed or cancelled): nobody would await it. */
export function workflowEnded(workflow: WorkflowRecord): EventhookError {
  return new EventhookError('EH_ENGINE_WORKFLOW_ENDED', { id: workflow.id, status: workflow.status });
}

export function promiseKeyConflict(held: PromiseRecord, workflowId: string | null): EventhookError {
  const owner = (id: string | null) => (id === null ? 'no workflow' : `workflow ${id}`);
  return new EventhookError('EH_ENGINE_CONFLICT', {
    message:
      `promise key ${held.key} already names promise ${held.id} of ${owner(held.workflowId)}, not of ` +
      `${owner(workflowId)}; give each workflow's promises keys of their own`,
  });
}
