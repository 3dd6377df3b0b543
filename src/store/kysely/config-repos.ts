// Sources and rules: the configuration an org edits through the API.
import type { Kysely } from 'kysely';
import { EventhookError } from '../../core/errors.js';
import type { RuleId, SourceId } from '../../core/ids.js';
import type { RulesRepo, SourcesRepo } from '../port.js';
import type { RuleRecord, SourceRecord } from '../records.js';
import type { Database } from '../schema.js';
import { ruleFromRow, ruleToRow, sourceFromRow, sourceToRow } from './codec.js';
import { isUniqueViolation } from './errors.js';
import { saveAtVersion } from './versioned-save.js';

export class KyselySourcesRepo implements SourcesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(source: SourceRecord): Promise<void> {
    try {
      await this.db.insertInto('sources').values(sourceToRow(source)).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new EventhookError('EH_SOURCE_EXISTS', { source: source.slug });
      throw err;
    }
  }

  async get(org: string, slug: string): Promise<SourceRecord | undefined> {
    const row = await this.db
      .selectFrom('sources')
      .selectAll()
      .where('org', '=', org)
      .where('slug', '=', slug)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row && sourceFromRow(row);
  }

  async getById(id: SourceId): Promise<SourceRecord | undefined> {
    const row = await this.db.selectFrom('sources').selectAll().where('id', '=', id).executeTakeFirst();
    return row && sourceFromRow(row);
  }

  async list(org: string, opts: { includeDeleted?: boolean } = {}): Promise<SourceRecord[]> {
    const rows = await this.db
      .selectFrom('sources')
      .selectAll()
      .where('org', '=', org)
      .$if(!opts.includeDeleted, (q) => q.where('deleted_at', 'is', null))
      .orderBy('id')
      .execute();
    return rows.map(sourceFromRow);
  }

  update(source: SourceRecord, basis: number): Promise<boolean> {
    const { id: _id, deleted_at: _deleted, ...row } = sourceToRow(source);
    return saveAtVersion(
      this.db,
      'sources',
      source.id,
      row,
      basis,
      () => new EventhookError('EH_SOURCE_EXISTS', { source: source.slug }),
    );
  }

  async softDelete(org: string, slug: string, now: number, basis?: number): Promise<boolean> {
    const result = await this.db
      .updateTable('sources')
      .set({ deleted_at: now, updated_at: now })
      .where('org', '=', org)
      .where('slug', '=', slug)
      .where('deleted_at', 'is', null)
      .$if(basis !== undefined, (q) => q.where('updated_at', '=', basis!))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

export class KyselyRulesRepo implements RulesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(rule: RuleRecord): Promise<void> {
    try {
      await this.db.insertInto('rules').values(ruleToRow(rule)).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new EventhookError('EH_RULE_EXISTS', { rule: rule.name });
      throw err;
    }
    await this.bump(rule.org);
  }

  async get(
    org: string,
    id: RuleId,
    opts: { includeDeleted?: boolean } = {},
  ): Promise<RuleRecord | undefined> {
    const row = await this.db
      .selectFrom('rules')
      .selectAll()
      .where('org', '=', org)
      .where('id', '=', id)
      .$if(!opts.includeDeleted, (q) => q.where('deleted_at', 'is', null))
      .executeTakeFirst();
    return row && ruleFromRow(row);
  }

  async list(org: string, opts: { includeDeleted?: boolean } = {}): Promise<RuleRecord[]> {
    const rows = await this.db
      .selectFrom('rules')
      .selectAll()
      .where('org', '=', org)
      .$if(!opts.includeDeleted, (q) => q.where('deleted_at', 'is', null))
      .orderBy('id')
      .execute();
    return rows.map(ruleFromRow);
  }

  async update(rule: RuleRecord, basis: number): Promise<boolean> {
    const { id: _id, deleted_at: _deleted, ...row } = ruleToRow(rule);
    const changed = await saveAtVersion(
      this.db,
      'rules',
      rule.id,
      row,
      basis,
      () => new EventhookError('EH_RULE_EXISTS', { rule: rule.name }),
    );
    if (changed) await this.bump(rule.org);
    return changed;
  }

  async softDelete(org: string, id: RuleId, now: number, basis?: number): Promise<boolean> {
    const result = await this.db
      .updateTable('rules')
      .set({ deleted_at: now, updated_at: now })
      .where('org', '=', org)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .$if(basis !== undefined, (q) => q.where('updated_at', '=', basis!))
      .executeTakeFirst();
    const changed = Number(result.numUpdatedRows) > 0;
    if (changed) await this.bump(org);
    return changed;
  }

  private async bump(org: string): Promise<void> {
    await this.db
      .updateTable('orgs')
      .set((eb) => ({ rules_version: eb('rules_version', '+', 1) }))
      .where('slug', '=', org)
      .execute();
  }
}
