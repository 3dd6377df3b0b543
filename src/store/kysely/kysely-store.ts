// The one query layer behind both Store adapters: repositories over a Kysely instance or transaction.
import { sql, type Kysely } from 'kysely';
import type { IngestItem, IngestOutcome, SchemaMigrations, Store, StoreKind, StoreRepos } from '../port.js';
import type { TaskRecord, WorkflowRecord } from '../records.js';
import type { Database } from '../schema.js';
import { KyselyActionsRepo, KyselyAttemptsRepo } from './actions-repo.js';
import { KyselyApiKeysRepo, KyselyOrgsRepo, KyselySettingsRepo } from './admin-repos.js';
import { KyselyRulesRepo, KyselySourcesRepo } from './config-repos.js';
import { KyselyExecutionsRepo, KyselyPromisesRepo } from './engine-repos.js';
import { KyselyEndpointsRepo } from './endpoints-repo.js';
import { KyselyEventsRepo } from './events-repo.js';
import { KyselyGrantsRepo } from './grants-repo.js';
import { KyselyAuditLogRepo } from './audit-log-repo.js';
import type { IngestPlan } from './ingest-batch.js';
import { KyselyWorkersRepo } from './workers-repo.js';
import { KyselyExecutionCausesRepo } from './execution-causes-repo.js';
import { KyselyOutboxRepo } from './outbox-repo.js';
import { KyselyBacklogRepo } from './backlog-repo.js';

class Repos implements StoreRepos {
  readonly settings: KyselySettingsRepo;
  readonly workers: KyselyWorkersRepo;
  readonly executionCauses: KyselyExecutionCausesRepo;
  readonly outbox: KyselyOutboxRepo;
  readonly backlog: KyselyBacklogRepo;
  readonly orgs: KyselyOrgsRepo;
  readonly apiKeys: KyselyApiKeysRepo;
  readonly sources: KyselySourcesRepo;
  readonly rules: KyselyRulesRepo;
  readonly events: KyselyEventsRepo;
  readonly actions: KyselyActionsRepo;
  readonly attempts: KyselyAttemptsRepo;
  readonly endpoints: KyselyEndpointsRepo;
  readonly grants: KyselyGrantsRepo;
  readonly auditLog: KyselyAuditLogRepo;
  readonly workflows: KyselyExecutionsRepo<WorkflowRecord>;
  readonly tasks: KyselyExecutionsRepo<TaskRecord>;
  readonly promises: KyselyPromisesRepo;

  constructor(db: Kysely<Database>, kind: StoreKind) {
    this.settings = new KyselySettingsRepo(db);
    this.workers = new KyselyWorkersRepo(db);
    this.executionCauses = new KyselyExecutionCausesRepo(db);
    this.outbox = new KyselyOutboxRepo(db);
    this.backlog = new KyselyBacklogRepo(db);
    this.orgs = new KyselyOrgsRepo(db);
    this.apiKeys = new KyselyApiKeysRepo(db);
    this.sources = new KyselySourcesRepo(db);
    this.rules = new KyselyRulesRepo(db);
    this.events = new KyselyEventsRepo(db, kind);
    this.actions = new KyselyActionsRepo(db, kind);
    this.attempts = new KyselyAttemptsRepo(db, kind);
    this.endpoints = new KyselyEndpointsRepo(db, kind);
    this.grants = new KyselyGrantsRepo(db);
    this.auditLog = new KyselyAuditLogRepo(db);
    this.workflows = new KyselyExecutionsRepo<WorkflowRecord>(db, 'workflows', kind);
    this.tasks = new KyselyExecutionsRepo<TaskRecord>(db, 'tasks', kind);
    this.promises = new KyselyPromisesRepo(db);
  }
}

/** What differs between adapters beyond the SQL dialect. */
export interface StoreHooks {
  onClose?: () => Promise<void>;
  /**
   * SQLite: makes what was committed durable (flushes the WAL). Awaited after the transaction has released the
   * connection, so other work runs on it during the flush; Store.relaxed skips it.
   */
  afterCommit?: () => Promise<void>;
  /** SQLite: commits an ingest batch durably, elsewhere than on the query connection (see IngestWriter). */
  commitIngest?: (plan: IngestPlan) => Promise<IngestOutcome[]>;
}

export class KyselyStore extends Repos implements Store {
  constructor(
    private readonly db: Kysely<Database>,
    readonly kind: StoreKind,
    readonly schema: SchemaMigrations,
    private readonly hooks: StoreHooks = {},
  ) {
    super(db, kind);
  }

  async transaction<T>(fn: (tx: StoreRepos) => Promise<T>): Promise<T> {
    const result = await this.db.transaction().execute((trx) => fn(new Repos(trx, this.kind)));
    await this.hooks.afterCommit?.();
    return result;
  }

  async relaxed<T>(fn: (tx: StoreRepos) => Promise<T>): Promise<T> {
    if (this.kind === 'sqlite') return this.db.transaction().execute((trx) => fn(new Repos(trx, this.kind)));
    return this.db.transaction().execute(async (trx) => {
      await sql`set local synchronous_commit = off`.execute(trx);
      return fn(new Repos(trx, this.kind));
    });
  }

  async commitIngest(items: readonly IngestItem[], now: number): Promise<IngestOutcome[]> {
    if (!this.hooks.commitIngest) return this.transaction((tx) => tx.events.ingest(items, now));
    return this.hooks.commitIngest(this.events.planIngest(items, now));
  }

  async ping(): Promise<void> {
    await this.db.selectFrom('orgs').select('slug').limit(1).execute();
  }

  async close(): Promise<void> {
    await this.db.destroy();
    await this.hooks.onClose?.();
  }
}
