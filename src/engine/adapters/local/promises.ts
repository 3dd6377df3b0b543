// The local engine's promises: created by workflows, settled by targets, read and awaited by workers.
import { newId } from '../../../core/ids.js';
import type { Page, StoreRepos } from '../../../store/port.js';
import type { PromiseRecord } from '../../../store/records.js';
import type { PageRequest, PromiseListFilter, PromiseOutcome, SettlePromise } from '../../port.js';
import { EnginePart, POLL_MS } from './engine-part.js';
import { notFound, promiseKeyConflict } from './engine-errors.js';
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
    if (result.settled) this.ring(`promise.${req.org}.${result.record.id}`);
    return { promiseId: result.record.id, settled: result.settled };
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

  private async findPromise(tx: StoreRepos, org: string, ref: string): Promise<PromiseRecord> {
    const p = ref.startsWith('key:')
      ? await tx.promises.getByKey(org, ref.slice(4))
      : await tx.promises.get(org, ref.startsWith('id:') ? ref.slice(3) : ref);
    if (!p) throw notFound('Promise', ref);
    return p;
  }
}
