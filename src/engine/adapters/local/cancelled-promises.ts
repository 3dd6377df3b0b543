// A cancelled workflow's pending promises: rejected in the cancellation's transaction, so nobody awaits them for ever.
import { EventhookError } from '../../../core/errors.js';
import type { StoreRepos } from '../../../store/port.js';
import type { NewEvent, PromiseRecord, WorkflowRecord } from '../../../store/records.js';
import { executionCause, promiseEvent } from './lifecycle.js';

/**
 * Rejects the pending promises of `workflow`, just cancelled in `tx`, and returns them with their `promise.rejected`
 * events, which go on in the workflow's correlation and trace as its `workflow.cancelled` does (no rule settled
 * them). Their error is what the workflow's worker is told (EH_ENGINE_CANCELLED: `Workflow wf_… was cancelled:
 * <reason>`). Settled promises stay as they are; a promise target or API call settling one later finds it settled and
 * changes nothing (`settled: false`), as for any settled promise.
 *
 * Rejected rather than a status of their own (`cancelled`): Flovyn's promises have only resolved and rejected
 * (PROMISE_RESOLVED, PROMISE_REJECTED), and a waiter already handles a rejection.
 */
export async function rejectPromisesOfCancelled(
  tx: StoreRepos,
  workflow: WorkflowRecord,
  now: number,
): Promise<{ promises: PromiseRecord[]; events: NewEvent[] }> {
  const error = new EventhookError('EH_ENGINE_CANCELLED', {
    what: 'Workflow',
    id: workflow.id,
    reason: workflow.error ?? '',
  }).message;
  const promises = await tx.promises.rejectPendingOfWorkflow(workflow.org, workflow.id, error, now);
  const cause = executionCause(workflow);
  return { promises, events: promises.map((p) => promiseEvent('rejected', p, now, cause)) };
}
