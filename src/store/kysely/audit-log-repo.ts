// The audit log (migration 023): appended in the transaction of each configuration change, read newest first.
import type { Kysely, Selectable } from 'kysely';
import { idFloor, type AuditEntryId } from '../../core/ids.js';
import type { AuditLogFilter, AuditLogRepo, Page } from '../port.js';
import type { Actor, ApiKeyRole, AuditAction, AuditEntryRecord, AuditResource } from '../records.js';
import type { AuditLogTable, Database } from '../schema.js';
import { fromJson } from './codec.js';
import { idsBefore, PRUNE_BATCH, pruneInBatches } from './prune-in-batches.js';

function actorFromRow(r: Selectable<AuditLogTable>): Actor {
  if (r.actor_kind === 'key')
    return { kind: 'key', id: r.actor_id!, name: r.actor_name!, role: r.actor_role as ApiKeyRole };
  if (r.actor_kind === 'system') return { kind: 'system', reason: r.actor_name ?? '' };
  return { kind: 'operator' };
}

function entryFromRow(r: Selectable<AuditLogTable>): AuditEntryRecord {
  return {
    id: r.id as AuditEntryId,
    org: r.org,
    at: Number(r.at),
    resource: r.resource as AuditResource,
    resourceId: r.resource_id,
    name: r.name,
    action: r.action as AuditAction,
    fields: fromJson<string[]>(r.fields),
    actor: actorFromRow(r),
    version: r.version === null ? null : Number(r.version),
  };
}

export class KyselyAuditLogRepo implements AuditLogRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(e: AuditEntryRecord): Promise<void> {
    const { actor } = e;
    await this.db
      .insertInto('audit_log')
      .values({
        id: e.id,
        org: e.org,
        at: e.at,
        resource: e.resource,
        resource_id: e.resourceId,
        name: e.name,
        action: e.action,
        fields: JSON.stringify(e.fields),
        actor_kind: actor.kind,
        actor_id: actor.kind === 'key' ? actor.id : null,
        actor_name: actor.kind === 'key' ? actor.name : actor.kind === 'system' ? actor.reason : null,
        actor_role: actor.kind === 'key' ? actor.role : null,
        version: e.version,
      })
      .execute();
  }

  async list(
    org: string,
    filter: AuditLogFilter,
    page: { limit: number; before?: string },
  ): Promise<Page<AuditEntryRecord>> {
    let query = this.db.selectFrom('audit_log').selectAll().where('org', '=', org);
    if (filter.resource !== undefined) query = query.where('resource', '=', filter.resource);
    if (filter.name !== undefined) query = query.where('name', '=', filter.name);
    if (filter.resourceId !== undefined) query = query.where('resource_id', '=', filter.resourceId);
    if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId);
    if (page.before !== undefined) query = query.where('id', '<', page.before);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(page.limit + 1)
      .execute();
    const items = rows.slice(0, page.limit).map(entryFromRow);
    return { items, next: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
  }

  prune(cutoff: number, batchSize = PRUNE_BATCH): Promise<number> {
    // By id, a range of the primary key: `at` has no index of its own, and audit_log_by_org leads with the org. An
    // id's time is the entry's `at` (later only if the clock stepped back), so nothing is pruned early.
    const before = idFloor('auditEntry', cutoff);
    return pruneInBatches(
      idsBefore(this.db, 'audit_log', before),
      async (ids) => {
        await this.db.deleteFrom('audit_log').where('id', 'in', ids).execute();
      },
      batchSize,
    );
  }
}
