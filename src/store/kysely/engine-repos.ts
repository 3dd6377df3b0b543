// The local engine's executions (workflows, tasks) and promises.
import { sql, type Kysely, type Selectable } from 'kysely';
import { EventhookError } from '../../core/errors.js';
import type { JsonValue } from '../../core/envelope.js';
import { stringifyExact } from '../../core/exact-integers.js';
import type {
  ExecutionFilter,
  ExecutionHolder,
  ExecutionsRepo,
  Page,
  PromiseFilter,
  PromisesRepo,
  StoreKind,
} from '../port.js';
import type { PromiseRecord, TaskRecord, WorkflowRecord } from '../records.js';
import type { Database, TasksTable, WorkflowsTable } from '../schema.js';
import { executionPatchToRow, promiseFromRow, taskFromRow, toJson, workflowFromRow } from './codec.js';
import { idInOnce } from './id-in-once.js';
import { PRUNE_BATCH, pruneInBatches } from './prune-in-batches.js';

/**
 * Finished executions and settled promises: the predicates of their partial indexes (migration 016), and the time
 * each finished at, which retention compares with its cutoff.
 */
const FINISHED = {
  workflows: { done: sql<boolean>`status in ('completed', 'failed', 'cancelled')`, at: 'completed_at' },
  tasks: { done: sql<boolean>`status in ('completed', 'failed', 'cancelled')`, at: 'completed_at' },
  promises: { done: sql<boolean>`status in ('resolved', 'rejected')`, at: 'settled_at' },
} as const;

/** Deletes, a batch at a time, the finished rows of `table` that finished before `cutoff`. Returns how many. */
function pruneFinished(
  db: Kysely<Database>,
  table: keyof typeof FINISHED,
  cutoff: number,
  batchSize: number,
): Promise<number> {
  const { done, at } = FINISHED[table];
  return pruneInBatches(
    async (limit) => {
      const rows = await db
        .selectFrom(table)
        .select('id')
        .where(done)
        .where(sql.ref(at), '<', cutoff)
        .orderBy(sql.ref(at))
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },
    async (ids) => {
      await db.deleteFrom(table).where('id', 'in', ids).execute();
    },
    batchSize,
  );
}

type ExecTable = 'workflows' | 'tasks';

/** As a literal, the predicate of the partial index <table>_running_lease (migration 009), so queries use it. */
const RUNNING = sql<boolean>`status = 'running'`;
/** As a literal, the predicate of the partial index promises_pending_workflow (migration 021), so queries use it. */
const PENDING = sql<boolean>`status = 'pending'`;

/**
 * Both execution tables' columns: tasks add retry counters, workflows their count of expired leases. Kysely cannot
 * type a query over a union of tables, so the repo works on this shape, and each statement names only the columns
 * of the table it runs on.
 */
type ExecRow = TasksTable & WorkflowsTable;

/** One implementation for both execution tables. */
export class KyselyExecutionsRepo<R extends WorkflowRecord> implements ExecutionsRepo<R> {
  private readonly db: Kysely<{ exec: ExecRow }>;
  private readonly fromRow: (row: Selectable<ExecRow>) => R;

  constructor(
    /** Typed over every table, for the statements that need no union (retention). */
    private readonly typed: Kysely<Database>,
    private readonly table: ExecTable,
    private readonly kind: StoreKind,
  ) {
    this.db = typed.withTables<{ exec: ExecRow }>() as unknown as Kysely<{ exec: ExecRow }>;
    this.fromRow = (table === 'tasks' ? taskFromRow : workflowFromRow) as unknown as (
      row: Selectable<ExecRow>,
    ) => R;
  }

  private get t(): 'exec' {
    return this.table as unknown as 'exec';
  }

  async insertIdempotent(record: R): Promise<{ record: R; created: boolean }> {
    const row: Record<string, unknown> = {
      id: record.id,
      org: record.org,
      kind: record.kind,
      queue: record.queue,
      status: record.status,
      input: stringifyExact(record.input ?? null, record.inputExactIntegers),
      output: null,
      error: null,
      idempotency_key: record.idempotencyKey,
      metadata: toJson(record.metadata),
      worker_id: null,
      lease_until: null,
      created_at: record.createdAt,
      started_at: null,
      completed_at: null,
      correlation_id: record.correlationId,
      traceparent: record.traceparent,
    };
    if (this.table === 'tasks') row.max_retries = (record as unknown as TaskRecord).maxRetries;
    // ON CONFLICT DO NOTHING rather than catching the violation: in PostgreSQL a failed statement aborts the
    // surrounding transaction.
    const insert = () =>
      this.db
        .insertInto(this.t)
        .values(row as never)
        .onConflict((oc) => oc.columns(['org', 'idempotency_key']).doNothing())
        .returningAll()
        .executeTakeFirst();
    const holder = () =>
      this.db
        .selectFrom(this.t)
        .selectAll()
        .where('org', '=', record.org)
        .where('idempotency_key', '=', record.idempotencyKey)
        .executeTakeFirstOrThrow();
    const inserted = await insert();
    if (inserted) return { record: this.fromRow(inserted), created: true };
    const existing = await holder();
    if (existing.status !== 'failed' && existing.status !== 'cancelled') {
      return { record: this.fromRow(existing), created: false };
    }
    // As Flovyn does, an execution that failed or was cancelled frees its key, so the same key starts a new one; it
    // keeps everything else. Failed and cancelled are final, so a freed key is never claimed back. Clearing the key
    // rather than a unique index over live executions only: SQLite cannot drop the (org, idempotency_key) constraint
    // of migration 001 without rebuilding the tables. Two starts racing here: the second finds the key cleared (0
    // rows), its insert conflicts with the first's new execution, and it answers that one.
    await this.db
      .updateTable(this.t)
      .set({ idempotency_key: null })
      .where('id', '=', existing.id)
      .where('idempotency_key', '=', record.idempotencyKey)
      .where('status', 'in', ['failed', 'cancelled'])
      .execute();
    const again = await insert();
    if (again) return { record: this.fromRow(again), created: true };
    return { record: this.fromRow(await holder()), created: false };
  }

  async get(org: string, id: string, opts: { exclusive?: boolean } = {}): Promise<R | undefined> {
    const row = await this.db
      .selectFrom(this.t)
      .selectAll()
      .where('org', '=', org)
      .where('id', '=', id)
      .$if(this.kind === 'postgres' && opts.exclusive === true, (q) => q.forUpdate())
      .executeTakeFirst();
    return row && this.fromRow(row);
  }

  async list(org: string, f: ExecutionFilter, page: { limit: number; before?: string }): Promise<Page<R>> {
    const rows = await this.db
      .selectFrom(this.t)
      .selectAll()
      .where('org', '=', org)
      .$if(f.kind !== undefined, (q) => q.where('kind', '=', f.kind!))
      .$if(f.queue !== undefined, (q) => q.where('queue', '=', f.queue!))
      .$if(f.status !== undefined, (q) => q.where('status', '=', f.status!))
      .$if(page.before !== undefined, (q) => q.where('id', '<', page.before!))
      .orderBy('id', 'desc')
      .limit(page.limit + 1)
      .execute();
    const items = rows.slice(0, page.limit).map(this.fromRow);
    return { items, next: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
  }

  async claim(
    org: string,
    opts: ExecutionHolder & { kinds: readonly string[]; queue: string; leaseUntil: number; now: number },
  ): Promise<R | undefined> {
    const candidate = this.db
      .selectFrom(this.t)
      .select('id')
      .where('org', '=', org)
      .where('status', '=', 'pending')
      .where('queue', '=', opts.queue)
      .$if(opts.kinds.length > 0, (q) => q.where('kind', 'in', opts.kinds))
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .$if(this.kind === 'postgres', (q) => q.forUpdate().skipLocked());
    const row = await this.db
      .updateTable(this.t)
      .set((eb) => ({
        status: 'running',
        worker_id: opts.workerId,
        claimed_by: opts.claimer,
        lease_until: opts.leaseUntil,
        started_at: eb.fn.coalesce('started_at', eb.val(opts.now)),
        ...(this.table === 'tasks' ? { execution_count: eb('execution_count', '+', 1) } : {}),
      }))
      .where(idInOnce(this.kind, candidate))
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    return row && this.fromRow(row);
  }

  async update(
    org: string,
    id: string,
    holder: ExecutionHolder | null,
    patch: Partial<R>,
  ): Promise<R | undefined> {
    const row = await this.db
      .updateTable(this.t)
      .set({
        ...executionPatchToRow(patch),
        ...(patch.workerId === null ? { claimed_by: null } : {}),
      } as never)
      .where('org', '=', org)
      .where('id', '=', id)
      .$if(holder !== null, (q) =>
        q
          .where('worker_id', '=', holder!.workerId)
          .where('status', '=', 'running')
          // A claim made before migration 026 named no key: its workerId alone holds it, as it did then.
          .where((eb) => eb.or([eb('claimed_by', '=', holder!.claimer), eb('claimed_by', 'is', null)])),
      )
      .returningAll()
      .executeTakeFirst();
    return row && this.fromRow(row);
  }

  async cancel(org: string, id: string, error: string, now: number): Promise<R | undefined> {
    const row = await this.db
      .updateTable(this.t)
      .set({
        status: 'cancelled',
        error,
        completed_at: now,
        worker_id: null,
        claimed_by: null,
        lease_until: null,
      })
      .where('org', '=', org)
      .where('id', '=', id)
      .where('status', 'in', ['pending', 'running'])
      .returningAll()
      .executeTakeFirst();
    return row && this.fromRow(row);
  }

  async anyExpired(now: number): Promise<boolean> {
    const row = await this.db
      .selectFrom(this.t)
      .select('id')
      .where(RUNNING)
      .where('lease_until', '<', now)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async releaseExpired(
    now: number,
    reason: string,
    workflowLeaseRetries: number,
  ): Promise<{ retried: R[]; failed: R[] }> {
    // A task whose expired execution was its last (as `fail` counts: executionCount > maxRetries) fails for good,
    // its error saying how many executions it had; a workflow whose leases already expired workflowLeaseRetries
    // times fails on the next, its error saying how many. Every other one goes back, a workflow counting one more.
    const failed =
      this.table === 'tasks'
        ? await this.db
            .updateTable(this.t)
            .set({
              status: 'failed',
              error: sql<string>`cast(${reason} as text) || ' (after ' || cast(execution_count as text) || case when execution_count = 1 then ' execution)' else ' executions)' end`,
              lease_until: null,
              completed_at: now,
            })
            .where(RUNNING)
            .where('lease_until', '<', now)
            .where(sql<boolean>`execution_count > max_retries`)
            .returningAll()
            .execute()
        : await this.db
            .updateTable(this.t)
            .set({
              status: 'failed',
              error: sql<string>`cast(${reason} as text) || ' (after ' || cast(lease_expiries + 1 as text) || case when lease_expiries = 0 then ' expired lease)' else ' expired leases)' end`,
              lease_expiries: sql<number>`lease_expiries + 1`,
              lease_until: null,
              completed_at: now,
            })
            .where(RUNNING)
            .where('lease_until', '<', now)
            .where(sql<boolean>`lease_expiries >= ${workflowLeaseRetries}`)
            .returningAll()
            .execute();
    const retried = await this.db
      .updateTable(this.t)
      .set({
        status: 'pending',
        error: reason,
        worker_id: null,
        claimed_by: null,
        lease_until: null,
        ...(this.table === 'workflows' ? { lease_expiries: sql<number>`lease_expiries + 1` } : {}),
      })
      .where(RUNNING)
      .where('lease_until', '<', now)
      .returningAll()
      .execute();
    return { retried: retried.map(this.fromRow), failed: failed.map(this.fromRow) };
  }

  prune(cutoff: number, batchSize = PRUNE_BATCH): Promise<number> {
    return pruneFinished(this.typed, this.table, cutoff, batchSize);
  }
}

export class KyselyPromisesRepo implements PromisesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(p: PromiseRecord): Promise<void> {
    const inserted = await this.db
      .insertInto('promises')
      .values({
        id: p.id,
        org: p.org,
        key: p.key,
        status: p.status,
        value: null,
        error: null,
        workflow_id: p.workflowId,
        created_at: p.createdAt,
        settled_at: null,
      })
      .onConflict((oc) => oc.columns(['org', 'key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted)
      throw new EventhookError('EH_ENGINE_CONFLICT', { message: `A promise with key ${p.key} exists` });
  }

  async get(org: string, id: string): Promise<PromiseRecord | undefined> {
    const row = await this.db
      .selectFrom('promises')
      .selectAll()
      .where('org', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && promiseFromRow(row);
  }

  async getByKey(org: string, key: string): Promise<PromiseRecord | undefined> {
    const row = await this.db
      .selectFrom('promises')
      .selectAll()
      .where('org', '=', org)
      .where('key', '=', key)
      .executeTakeFirst();
    return row && promiseFromRow(row);
  }

  async list(
    org: string,
    f: PromiseFilter,
    page: { limit: number; before?: string },
  ): Promise<Page<PromiseRecord>> {
    // A range of promises_org_id (migration 016), newest first, as the execution lists read theirs.
    const rows = await this.db
      .selectFrom('promises')
      .selectAll()
      .where('org', '=', org)
      .$if(f.status !== undefined, (q) => q.where('status', '=', f.status!))
      .$if(f.workflowId !== undefined, (q) => q.where('workflow_id', '=', f.workflowId!))
      .$if(page.before !== undefined, (q) => q.where('id', '<', page.before!))
      .orderBy('id', 'desc')
      .limit(page.limit + 1)
      .execute();
    const items = rows.slice(0, page.limit).map(promiseFromRow);
    return { items, next: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
  }

  async settle(
    org: string,
    id: string,
    patch: { status: 'resolved' | 'rejected'; value: JsonValue; error: string | null },
    now: number,
  ): Promise<{ record: PromiseRecord; settled: boolean } | undefined> {
    const row = await this.db
      .updateTable('promises')
      .set({ status: patch.status, value: toJson(patch.value), error: patch.error, settled_at: now })
      .where('org', '=', org)
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    if (row) return { record: promiseFromRow(row), settled: true };
    const current = await this.get(org, id);
    return current && { record: current, settled: false };
  }

  async rejectPendingOfWorkflow(
    org: string,
    workflowId: string,
    error: string,
    now: number,
  ): Promise<PromiseRecord[]> {
    // One update through promises_pending_workflow (migration 021), which holds only pending promises: a workflow's
    // end reads none of the settled ones retention keeps.
    const rows = await this.db
      .updateTable('promises')
      .set({ status: 'rejected', value: toJson(null), error, settled_at: now })
      .where('workflow_id', '=', workflowId)
      .where(PENDING)
      .where('org', '=', org)
      .returningAll()
      .execute();
    return rows.map(promiseFromRow).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  prune(cutoff: number, batchSize = PRUNE_BATCH): Promise<number> {
    return pruneFinished(this.db, 'promises', cutoff, batchSize);
  }
}
