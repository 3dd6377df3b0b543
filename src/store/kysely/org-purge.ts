// Deleting an org (DELETE /api/orgs/{org}): stopping it in one transaction, then purging its data a batch at a time.
// The purge may run in several processes at once, or stop half-way and start again: every step deletes what is
// still there, so it is safe to repeat.
import type { DeleteResult, Kysely } from 'kysely';
import type { RetiredOrg } from '../port.js';
import type { Database } from '../schema.js';
import { orgFromRow } from './codec.js';
import { PRUNE_BATCH, pruneInBatches } from './prune-in-batches.js';

/** The org's tables that have an `id` key and an `org` column, in the order the purge empties them. */
const BY_ID = [
  'attempts',
  'events',
  'workflows',
  'tasks',
  'promises',
  'audit_log',
  'api_keys',
  'rules',
  'endpoints',
] as const;
type ById = (typeof BY_ID)[number];
type OrgRows = Record<ById | 'actions' | 'sources', { id: string; org: string }>;

/**
 * Every table with an `org` column. The org's row goes only once none of them holds a row of it, so a table added
 * here but forgotten by the purge keeps the org (and its slug) rather than leaving rows behind; the store suite
 * checks this list against the schema.
 */
export const ORG_TABLES = [
  'actions',
  ...BY_ID,
  'jetstream_outbox',
  'execution_causes',
  'sources',
  'event_bus_grants',
] as const;

/** Tables without an `org` column whose rows belong to an org through another table's row, purged with it. */
export const ORG_CHILD_TABLES = { idempotency_keys: 'sources' } as const;

export async function retireOrg(
  db: Kysely<Database>,
  slug: string,
  now: number,
): Promise<RetiredOrg | undefined> {
  const row = await db
    .updateTable('orgs')
    .set((eb) => ({ deleted_at: now, rules_version: eb('rules_version', '+', 1) }))
    .where('slug', '=', slug)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  if (!row) return undefined;
  await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('org', '=', slug)
    .where('revoked_at', 'is', null)
    .execute();
  const sources = await db
    .updateTable('sources')
    .set({ enabled: 0 })
    .where('org', '=', slug)
    .where('deleted_at', 'is', null)
    .returning('slug')
    .execute();
  await db
    .updateTable('rules')
    .set({ enabled: 0 })
    .where('org', '=', slug)
    .where('deleted_at', 'is', null)
    .execute();
  // Disabled rather than deleted: a delivery already claimed settles as usual, the rest wait to be purged.
  const endpoints = await db
    .updateTable('endpoints')
    .set({ status: 'disabled', disabled_reason: 'org deleted' })
    .where('org', '=', slug)
    .where('deleted_at', 'is', null)
    .returning('slug')
    .execute();
  await db
    .deleteFrom('event_bus_grants')
    .where((eb) => eb.or([eb('org', '=', slug), eb('from_org', '=', slug)]))
    .execute();
  return {
    org: orgFromRow(row),
    sources: sources.map((s) => s.slug),
    endpoints: endpoints.map((e) => e.slug),
  };
}

export async function purgeOrg(
  database: Kysely<Database>,
  slug: string,
  batchSize = PRUNE_BATCH,
): Promise<number> {
  const db = database as unknown as Kysely<OrgRows>;
  let purged = 0;
  const inBatches = async (
    next: (limit: number) => Promise<string[]>,
    drop: (ids: string[]) => Promise<void>,
  ) => {
    const n = await pruneInBatches(next, drop, batchSize);
    purged += n;
  };
  const counted = (result: DeleteResult) => void (purged += Number(result.numDeletedRows));
  const idsOf = (table: keyof OrgRows) => async (limit: number) =>
    (
      await db.selectFrom(table).select('id').where('org', '=', slug).orderBy('id').limit(limit).execute()
    ).map((r) => r.id);
  const inTransaction = (drop: (tx: Kysely<Database>) => Promise<void>) =>
    database.isTransaction ? drop(database) : database.transaction().execute(drop);

  // Actions first, so no worker claims one of them while the rest goes; each with its attempts.
  await inBatches(idsOf('actions'), (ids) =>
    inTransaction(async (tx) => {
      counted(await tx.deleteFrom('attempts').where('action_id', 'in', ids).executeTakeFirst());
      await tx.deleteFrom('actions').where('id', 'in', ids).execute();
    }),
  );
  for (const table of BY_ID) {
    await inBatches(idsOf(table), async (ids) => {
      await db.deleteFrom(table).where('id', 'in', ids).execute();
    });
  }
  // Tables keyed otherwise: a batch of `key` values within the rows where `scope` is `value`.
  const keyed = database as unknown as Kysely<Record<string, Record<string, string>>>;
  const inBatchesOf = (
    table: 'jetstream_outbox' | 'execution_causes' | 'idempotency_keys',
    key: string,
    scope: string,
    value: string,
  ) =>
    inBatches(
      async (limit) =>
        (await keyed.selectFrom(table).select(key).where(scope, '=', value).limit(limit).execute()).map(
          (r) => r[key]!,
        ),
      async (keys) => {
        await keyed.deleteFrom(table).where(scope, '=', value).where(key, 'in', keys).execute();
      },
    );
  await inBatchesOf('jetstream_outbox', 'event_id', 'org', slug);
  // Kept per org since migration 028, so a cause written after its event went (a start answered mid-purge) goes too.
  await inBatchesOf('execution_causes', 'execution_id', 'org', slug);
  // Idempotency keys are kept per source (soft-deleted sources' too), and the sources go once their keys have.
  const sources = await database.selectFrom('sources').select('id').where('org', '=', slug).execute();
  for (const { id: sourceId } of sources) {
    await inBatchesOf('idempotency_keys', 'key', 'source_id', sourceId);
    counted(await database.deleteFrom('sources').where('id', '=', sourceId).executeTakeFirst());
  }
  return purged;
}

/** The org's row, once it is deleted and nothing of it is left (a row written meanwhile keeps it for the next purge). */
export async function removeOrg(db: Kysely<Database>, slug: string): Promise<boolean> {
  const remove = async (tx: Kysely<Database>) => {
    const org = await tx.selectFrom('orgs').select('deleted_at').where('slug', '=', slug).executeTakeFirst();
    if (!org || org.deleted_at === null) return false;
    const scoped = tx as unknown as Kysely<Record<string, { org: string; from_org: string }>>;
    for (const table of ORG_TABLES) {
      const left = await scoped
        .selectFrom(table)
        .select('org')
        .where((eb) =>
          table === 'event_bus_grants'
            ? eb.or([eb('org', '=', slug), eb('from_org', '=', slug)])
            : eb('org', '=', slug),
        )
        .limit(1)
        .executeTakeFirst();
      if (left) return false;
    }
    const result = await tx.deleteFrom('orgs').where('slug', '=', slug).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  };
  return db.isTransaction ? remove(db) : db.transaction().execute(remove);
}
