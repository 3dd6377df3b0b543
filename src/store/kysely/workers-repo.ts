// The worker processes sharing the database, by their heartbeats (see routing/worker-presence.ts).
import type { Kysely } from 'kysely';
import type { WorkersRepo } from '../port.js';
import type { Database } from '../schema.js';

export class KyselyWorkersRepo implements WorkersRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async beat(id: string, now: number): Promise<void> {
    await this.db
      .insertInto('workers')
      .values({ id, last_seen: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ last_seen: now }))
      .execute();
  }

  async live(since: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('workers')
      .select('id')
      .where('last_seen', '>=', since)
      .orderBy('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async forget(before: number): Promise<void> {
    await this.db.deleteFrom('workers').where('last_seen', '<', before).execute();
  }

  async leave(id: string): Promise<void> {
    await this.db.deleteFrom('workers').where('id', '=', id).execute();
  }
}
