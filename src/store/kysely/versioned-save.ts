// The one way configuration rows (sources, rules, endpoints) are saved after an edit: only while the row is live
// and still at the version it was read at (its updated_at), so two edits at once cannot lose one and an edit racing
// a delete cannot revive the row. A taken unique name becomes the caller's catalogue error.
import type { Kysely } from 'kysely';
import type { EventhookError } from '../../core/errors.js';
import type { Database } from '../schema.js';
import { isUniqueViolation } from './errors.js';

type ConfigTable = 'sources' | 'rules' | 'endpoints';

/** True when saved; false when the row changed or was deleted since `basis`. */
export async function saveAtVersion<T extends ConfigTable>(
  db: Kysely<Database>,
  table: T,
  id: string,
  row: Partial<Database[T]>,
  basis: number,
  taken: () => EventhookError,
): Promise<boolean> {
  // One table at a time to Kysely: the three share the id, deleted_at and updated_at columns used here.
  const t = table as 'sources';
  try {
    const r = await db
      .updateTable(t)
      .set(row as Partial<Database['sources']>)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where('updated_at', '=', basis)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  } catch (err) {
    if (isUniqueViolation(err)) throw taken();
    throw err;
  }
}
