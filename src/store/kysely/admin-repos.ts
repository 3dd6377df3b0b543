// Settings, orgs and API keys.
import type { Kysely } from 'kysely';
import { EventhookError } from '../../core/errors.js';
import type { ApiKeyId } from '../../core/ids.js';
import type { ApiKeysRepo, OrgsRepo, RetiredOrg, SettingsRepo } from '../port.js';
import type { ApiKeyRecord, OrgRecord } from '../records.js';
import type { Database } from '../schema.js';
import { apiKeyFromRow, orgFromRow } from './codec.js';
import { isUniqueViolation } from './errors.js';
import { purgeOrg, removeOrg, retireOrg } from './org-purge.js';

export class KyselySettingsRepo implements SettingsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(key: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst();
    return row?.value;
  }

  async setIfAbsent(key: string, value: string): Promise<boolean> {
    const result = await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async set(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }
}

export class KyselyOrgsRepo implements OrgsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async create(org: { slug: string; name: string }, now: number): Promise<OrgRecord> {
    // Asked first rather than after a failed insert, which on PostgreSQL would end the caller's transaction.
    const taken = await this.get(org.slug, { includeDeleted: true });
    if (taken?.deletedAt != null) throw new EventhookError('EH_ORG_BEING_DELETED', { org: org.slug });
    if (taken) throw new EventhookError('EH_ORG_EXISTS', { org: org.slug });
    try {
      await this.db
        .insertInto('orgs')
        .values({ slug: org.slug, name: org.name, created_at: now, deleted_at: null })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new EventhookError('EH_ORG_EXISTS', { org: org.slug });
      throw err;
    }
    return { slug: org.slug, name: org.name, createdAt: now, rulesVersion: 0, deletedAt: null };
  }

  async get(slug: string, opts: { includeDeleted?: boolean } = {}): Promise<OrgRecord | undefined> {
    let query = this.db.selectFrom('orgs').selectAll().where('slug', '=', slug);
    if (!opts.includeDeleted) query = query.where('deleted_at', 'is', null);
    const row = await query.executeTakeFirst();
    return row && orgFromRow(row);
  }

  async list(opts: { includeDeleted?: boolean } = {}): Promise<OrgRecord[]> {
    let query = this.db.selectFrom('orgs').selectAll();
    if (!opts.includeDeleted) query = query.where('deleted_at', 'is', null);
    const rows = await query.orderBy('slug').execute();
    return rows.map(orgFromRow);
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('orgs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async bumpRulesVersion(slug: string): Promise<void> {
    await this.db
      .updateTable('orgs')
      .set((eb) => ({ rules_version: eb('rules_version', '+', 1) }))
      .where('slug', '=', slug)
      .execute();
  }

  async rename(slug: string, name: string): Promise<OrgRecord | undefined> {
    const row = await this.db
      .updateTable('orgs')
      .set({ name })
      .where('slug', '=', slug)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row && orgFromRow(row);
  }

  retire(slug: string, now: number): Promise<RetiredOrg | undefined> {
    return retireOrg(this.db, slug, now);
  }

  purge(slug: string, batchSize?: number): Promise<number> {
    return purgeOrg(this.db, slug, batchSize);
  }

  remove(slug: string): Promise<boolean> {
    return removeOrg(this.db, slug);
  }
}

export class KyselyApiKeysRepo implements ApiKeysRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(key: ApiKeyRecord & { hash: string }): Promise<void> {
    await this.db
      .insertInto('api_keys')
      .values({
        id: key.id,
        org: key.org,
        name: key.name,
        role: key.role,
        hash: key.hash,
        prefix: key.prefix,
        created_at: key.createdAt,
        last_used_at: key.lastUsedAt,
        revoked_at: key.revokedAt,
        expires_at: key.expiresAt,
      })
      .execute();
  }

  async findActiveByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row && apiKeyFromRow(row);
  }

  async touch(id: ApiKeyId, now: number): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  async list(org: string): Promise<ApiKeyRecord[]> {
    const rows = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('org', '=', org)
      .orderBy('id')
      .execute();
    return rows.map(apiKeyFromRow);
  }

  async get(org: string, id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('org', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && apiKeyFromRow(row);
  }

  async revoke(org: string, id: ApiKeyId, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: now })
      .where('org', '=', org)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
