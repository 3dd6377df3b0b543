// The local engine's promises: created by workflows, settled by targets, read and awaited by workers.
import { newId } from '../../../core/ids.js';
import type { Page, StoreRepos } from '../../../store/port.js';
import type { PromiseRecord } from '../../../store/records.js';
import type { PageRequest, PromiseListFilter, PromiseOutcome, SettlePromise } from '../../port.js';
import { EnginePart, POLL_MS, promiseTopic } from './engine-part.js';
import { notFound, promiseKeyConflict, workflowEnded } from './engine-errors.js';
import { executionCause, promiseEvent } from './lifecycle.js';

export class LocalPromises extends EnginePart {
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
    if (result.settled) this.ringPromises([result.record]);
    return { promiseId: result.record.id, settled: result.settled };
  }

  /**
   * Creates a promise, or, when `key` names one already, answers that one (`created: false`), as Flovyn treats a
   * promise's key: an idempotency key. A workflow that resumes after its worker crashed makes its promises again,
   * and must get the ones it made (perhaps settled meanwhile) rather than a conflict. A key held by another
   * workflow's promise is a conflict: the two would wait on one settlement without knowing it.
   *
   * A new promise for a workflow needs the workflow: one of this org (EH_ENGINE_NOT_FOUND otherwise, a task's id
   * included), pending or running (EH_ENGINE_WORKFLOW_ENDED once it completed, failed or was cancelled: its end
   * rejected the promises it had, and nothing would reject this one). A key that names a promise already is answered
   * whatever became of its workflow since: the promise exists, and says how it ended (its end rejected it, if it was
   * still pending); only a new promise is refused.
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
    type Created = { record: PromiseRecord; created: boolean };
    return this.commit<Created>(async (tx) => {
      // Read first, then insert: the insert refuses a taken key (ON CONFLICT DO NOTHING, so a PostgreSQL transaction
      // survives it), and a racing creation that wins in between is read back the same way.
      const existing = async () => (record.key === null ? undefined : tx.promises.getByKey(org, record.key));
      const answer = (held: PromiseRecord) => {
        if (held.workflowId !== record.workflowId) throw promiseKeyConflict(held, record.workflowId);
        return { value: { record: held, created: false }, events: [] };
      };
      const before = await existing();
      if (before !== undefined) return answer(before);
      // Read with a lock (PostgreSQL FOR UPDATE) held to the commit: an end of the workflow racing with this either
      // commits first, and is read here, or waits for the insert, and then rejects the new promise with the others.
      const workflow =
        req.workflowId === undefined
          ? undefined
          : await tx.workflows.get(org, req.workflowId, { exclusive: true });
      if (req.workflowId !== undefined) {
        if (workflow === undefined) throw notFound('Workflow', req.workflowId);
        if (workflow.status !== 'pending' && workflow.status !== 'running') throw workflowEnded(workflow);
      }
      const winner = await tx.promises.insert(record).then(
        () => undefined,
        async (err: unknown) => {
          const w = await existing();
          if (w === undefined) throw err;
          return w;
        },
      );
      if (winner !== undefined) return answer(winner);
      // A promise made for a workflow goes on in that workflow's correlation and trace.
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
      await this.waiters.wait(promiseTopic(org, p.id), Math.min(remaining, POLL_MS), signal);
    }
  }

  private async findPromise(tx: StoreRepos, org: string, ref: string): Promise<PromiseRecord> {
    const p = ref.startsWith('key:')
      ? await tx.promises.getByKey(org, ref.slice(4))
      : await tx.promises.get(org, ref.startsWith('id:') ? ref.slice(3) : ref);
    if (!p) throw notFound('Promise', ref);
    return p;
  }
}
