// Migration 030: how a webhook was verified when it arrived (the type of the source's verifier that accepted it;
// `none` took it unverified), kept with the event. It was read from the source as it is now, so changing a
// verifier rewrote what every earlier event said. Null: not a webhook (published, or made by Eventhook), or a
// webhook stored before this column, for which it was not recorded.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema.alterTable('events').addColumn('verified_by', 'text').execute();
}
