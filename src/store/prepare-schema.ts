// Brings the database to this version's schema at start, or, with migrations left to a deploy step
// (EVENTHOOK_MIGRATE=off), refuses to run on a schema that lags behind. Works on either adapter, through the port.
import { EventhookError } from '../core/errors.js';
import type { Store } from './port.js';

/**
 * `auto` applies the pending migrations and returns their names (none when the schema is up to date); `off` changes
 * nothing and throws EH_STORE_SCHEMA_BEHIND when any is pending. Either way a schema with migrations this version does
 * not know throws EH_STORE_SCHEMA_AHEAD: a newer version migrated it, and this one cannot tell whether its queries
 * still fit (a migration may rename, drop or require a column), so it refuses rather than guess.
 */
export async function prepareSchema(store: Store, mode: 'auto' | 'off'): Promise<string[]> {
  const { pending, unknown } = await store.schema.status();
  if (unknown.length > 0) throw new EventhookError('EH_STORE_SCHEMA_AHEAD', { names: span(unknown) });
  if (pending.length === 0) return [];
  if (mode === 'off')
    throw new EventhookError('EH_STORE_SCHEMA_BEHIND', { count: pending.length, names: span(pending) });
  return store.schema.migrate();
}

/** Names in order, a long run as its ends (a fresh database lacks every migration). */
function span(names: readonly string[]): string {
  return names.length <= 3 ? names.join(', ') : `${names[0]} to ${names[names.length - 1]}`;
}
