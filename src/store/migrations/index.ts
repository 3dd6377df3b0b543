// Versioned migrations, applied in order on start (and by `eventhook migrate`). Never edit one that has shipped.
import {
  Migrator,
  sql,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
} from 'kysely';
import * as m001 from './001-initial.js';
import * as m002 from './002-replay-keys.js';
import * as m003 from './003-endpoints.js';
import * as m004 from './004-due-index.js';
import * as m005 from './005-covering-due-index.js';
import * as m006 from './006-raw-in-data.js';
import * as m007 from './007-unfinished-lane-index.js';
import * as m008 from './008-attempt-endpoint.js';
import * as m009 from './009-running-lease-index.js';
import * as m010 from './010-workers.js';
import * as m011 from './011-dead-letters-index.js';
import * as m012 from './012-actions-by-rule-index.js';
import * as m013 from './013-execution-causes.js';
import * as m014 from './014-jetstream-outbox.js';
import * as m015 from './015-event-bus-grants.js';
import * as m016 from './016-finished-engine-index.js';
import * as m017 from './017-execution-trace.js';
import * as m018 from './018-workflow-lease-expiries.js';
import * as m019 from './019-action-lease-holder.js';
import * as m020 from './020-execution-cause-trace.js';
import * as m021 from './021-pending-promises-index.js';
import * as m022 from './022-grant-updated-at.js';
import * as m023 from './023-audit-log.js';
import * as m024 from './024-api-key-expiry.js';
import * as m025 from './025-org-deletion.js';
import * as m026 from './026-execution-claimer.js';
import * as m027 from './027-endpoint-secret-headers.js';
import * as m028 from './028-execution-cause-org.js';
import * as m029 from './029-endpoint-timeout-default.js';
import * as m030 from './030-event-verified-by.js';
import type { SchemaStatus } from '../port.js';
import type { ColumnTypes } from './types.js';

const MIGRATION_TABLE = 'eventhook_migrations';

const ALL: Record<string, { up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> }> = {
  '001-initial': m001,
  '002-replay-keys': m002,
  '003-endpoints': m003,
  '004-due-index': m004,
  '005-covering-due-index': m005,
  '006-raw-in-data': m006,
  '007-unfinished-lane-index': m007,
  '008-attempt-endpoint': m008,
  '009-running-lease-index': m009,
  '010-workers': m010,
  '011-dead-letters-index': m011,
  '012-actions-by-rule-index': m012,
  '013-execution-causes': m013,
  '014-jetstream-outbox': m014,
  '015-event-bus-grants': m015,
  '016-finished-engine-index': m016,
  '017-execution-trace': m017,
  '018-workflow-lease-expiries': m018,
  '019-action-lease-holder': m019,
  '020-execution-cause-trace': m020,
  '021-pending-promises-index': m021,
  '022-grant-updated-at': m022,
  '023-audit-log': m023,
  '024-api-key-expiry': m024,
  '025-org-deletion': m025,
  '026-execution-claimer': m026,
  '027-endpoint-secret-headers': m027,
  '028-execution-cause-org': m028,
  '029-endpoint-timeout-default': m029,
  '030-event-verified-by': m030,
};

/**
 * `schema` pins the bookkeeping tables to the connection's schema: Kysely otherwise looks for them in every schema
 * and may find another tenant's (e.g. several Eventhook schemas in one PostgreSQL database).
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  types: ColumnTypes,
  schema?: string,
): Promise<string[]> {
  return applied(await migrator(db, types, schema).migrateToLatest());
}

/** Which of this version's migrations the database lacks, and which of its own this version does not know. */
export async function schemaStatus(
  db: Kysely<unknown>,
  types: ColumnTypes,
  schema?: string,
): Promise<SchemaStatus> {
  const known = await migrator(db, types, schema).getMigrations();
  const pending = known.filter((m) => m.executedAt === undefined).map((m) => m.name);
  // Kysely lists only the migrations it was given; the table may hold more, applied by a newer version. Every
  // version starts with 001-initial, so a database where none of ours ran has none of a newer version's either, and
  // its table (if any) need not be read.
  if (pending.length === known.length) return { pending, unknown: [] };
  const table = sql.table(schema ? `${schema}.${MIGRATION_TABLE}` : MIGRATION_TABLE);
  const applied = (await sql<{ name: string }>`select name from ${table}`.execute(db)).rows;
  const unknown = applied
    .map((r) => r.name)
    .filter((name) => !(name in ALL))
    .sort();
  return { pending, unknown };
}

/**
 * Applies the migrations up to and including `name`, and none after it: a database as an older release left it
 * (tests of a migration on real data).
 */
export async function migrateTo(
  db: Kysely<unknown>,
  types: ColumnTypes,
  name: keyof typeof ALL,
  schema?: string,
): Promise<string[]> {
  return applied(await migrator(db, types, schema).migrateTo(name));
}

function migrator(db: Kysely<unknown>, types: ColumnTypes, schema: string | undefined): Migrator {
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(ALL)) out[name] = { up: (d) => m.up(d, types) };
      return out;
    },
  };
  return new Migrator({
    db,
    provider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: 'eventhook_migrations_lock',
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
}

/**
 * The names applied; on failure, the database's error, given the failed migration's name as `migration` (when one
 * failed rather than Kysely's bookkeeping) so an adapter can name it.
 */
function applied({ error, results }: MigrationResultSet): string[] {
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    if (failed !== undefined && error instanceof Error) Object.assign(error, { migration: failed });
    throw error;
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
