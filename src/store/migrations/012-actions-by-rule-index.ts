// Migration 012: each org's actions by rule in id order, for GET /actions?rule=… (what a rule did, the first question
// when debugging it). No index led with (org, rule), so the list walked the org's actions newest first and filtered
// on the rule: for a rule with few actions among many, a page read the org's whole delivery history
// (bench/actions-list). A rule's actions are created in id order, so each insert lands at the end of its rule's run.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema.createIndex('actions_org_rule').on('actions').columns(['org', 'rule_id', 'id']).execute();
}
