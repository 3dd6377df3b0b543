// An ended workflow's pending promises: rejected in the transaction that ends it (completed, failed or cancelled), so
// nobody awaits them for ever.
import { EventhookError } from '../../../core/errors.js';
import type { StoreRepos } from '../../../store/port.js';
import type { NewEvent, PromiseRecord, WorkflowRecord } from '../../../store/records.js';
import { executionCause, promiseEvent } from './lifecycle.js';

/**
 * Why a promise of `workflow`, which just ended, is rejected, read from how it ended: a cancellation gives the words
 * its worker is refused with (EH_ENGINE_CANCELLED: `Workflow wf_… was cancelled: <reason>`); a failure, for good
 * (its worker's `fail`, or its last expired lease), its error (`Workflow wf_… failed: <error>`); a completion says
 * the workflow did not wait for it (`Workflow wf_… completed before the promise was settled`).
 */
export function endedWorkflowError(workflow: WorkflowRecord): string {
  switch (workflow.status) {
    case 'cancelled':
      return new EventhookError('EH_ENGINE_CANCELLED', {
        what: 'Workflow',
        id: workflow.id,
        reason: workflow.error ?? '',
      }).message;
    case 'failed':
      return `Workflow ${workflow.id} failed: ${workflow.error ?? 'no error given'}`;
    case 'completed':
      return `Workflow ${workflow.id} completed before the promise was settled`;
    default:
      // Only an end rejects promises; a workflow going back to its queue (an expired lease with tries left) keeps them.
      throw new EventhookError(
        'EH_INTERNAL',
        {},
        { cause: new Error(`workflow ${workflow.id} is ${workflow.status}, not ended`) },
      );
  }
}

/**
 * Rejects the pending promises of `workflow`, just ended (completed, failed or cancelled) in `tx`, and returns them
 * with their `promise.rejected` events, which go on in the workflow's correlation and trace as its
 * `workflow.completed`, `.failed` or `.cancelled` does (no rule settled them). Their error says why
 * (endedWorkflowError). Settled promises stay as they are; a promise target or API call settling one later finds it
 * settled and changes nothing (`settled: false`), as for any settled promise. The caller rings their waiters after
 * the commit.
 *
 * Rejected rather than a status of their own (`cancelled`, `abandoned`): Flovyn's promises have only resolved and
 * rejected (PROMISE_RESOLVED, PROMISE_REJECTED), and a waiter already handles a rejection.
 */
export async function rejectPromisesOfEnded(
  tx: StoreRepos,
  workflow: WorkflowRecord,
  now: number,
): Promise<{ promises: PromiseRecord[]; events: NewEvent[] }> {
  const error = endedWorkflowError(workflow);
  const promises = await tx.promises.rejectPendingOfWorkflow(workflow.org, workflow.id, error, now);
  const cause = executionCause(workflow);
  return { promises, events: promises.map((p) => promiseEvent('rejected', p, now, cause)) };
}
