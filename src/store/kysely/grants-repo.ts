// Grants of cross-org event_bus publishing (migration 015). A grant's event types and description change at its
// version (updated_at, migration 022), as the other configuration rows do (versioned-save.ts); its orgs never change.
import type { Kysely, Selectable } from 'kysely';
import type { GrantId } from '../../core/ids.js';
import type { GrantsRepo } from '../port.js';
import type { GrantRecord } from '../records.js';
import type { Database, EventBusGrantsTable } from '../schema.js';
import { fromJson } from './codec.js';

function grantFromRow(r: Selectable<EventBusGrantsTable>): GrantRecord {
  return {
    id: r.id as GrantId,
    org: r.org,
    fromOrg: r.from_org,
    eventTypes: fromJson<string[] | null>(r.event_types),
    description: r.description,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export class KyselyGrantsRepo implements GrantsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(grant: GrantRecord): Promise<void> {
    await this.db
      .insertInto('event_bus_grants')
      .values({
        id: grant.id,
        org: grant.org,
        from_org: grant.fromOrg,
        event_types: grant.eventTypes === null ? null : JSON.stringify(grant.eventTypes),
        description: grant.description,
        created_at: grant.createdAt,
        updated_at: grant.updatedAt,
      })
      .execute();
  }

  async get(org: string, id: GrantId): Promise<GrantRecord | undefined> {
    const row = await this.db
      .selectFrom('event_bus_grants')
      .selectAll()
      .where('org', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && grantFromRow(row);
  }

  async list(org: string): Promise<GrantRecord[]> {
    const rows = await this.db
      .selectFrom('event_bus_grants')
      .selectAll()
      .where('org', '=', org)
      .orderBy('id')
      .execute();
    return rows.map(grantFromRow);
  }

  async between(org: string, fromOrg: string): Promise<GrantRecord[]> {
    const rows = await this.db
      .selectFrom('event_bus_grants')
      .selectAll()
      .where('org', '=', org)
      .where('from_org', '=', fromOrg)
      .orderBy('id')
      .execute();
    return rows.map(grantFromRow);
  }

  async update(grant: GrantRecord, basis: number): Promise<boolean> {
    // Not saveAtVersion: grants are deleted outright (no deleted_at), and have no unique name to be taken.
    const result = await this.db
      .updateTable('event_bus_grants')
      .set({
        event_types: grant.eventTypes === null ? null : JSON.stringify(grant.eventTypes),
        description: grant.description,
        updated_at: grant.updatedAt,
      })
      .where('org', '=', grant.org)
      .where('id', '=', grant.id)
      .where('updated_at', '=', basis)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async delete(org: string, id: GrantId, basis?: number): Promise<boolean> {
    const result = await this.db
      .deleteFrom('event_bus_grants')
      .where('org', '=', org)
      .where('id', '=', id)
      .$if(basis !== undefined, (q) => q.where('updated_at', '=', basis!))
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
