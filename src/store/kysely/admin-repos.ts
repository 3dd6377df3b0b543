// Settings, orgs and API keys.
import type { Kysely } from 'kysely';
import { EventhookError } from '../../core/errors.js';
import type { ApiKeyId } from '../../core/ids.js';
import type { ApiKeysRepo, OrgsRepo, SettingsRepo } from '../port.js';
import type { ApiKeyRecord, OrgRecord } from '../records.js';
import type { Database } from '../schema.js';
import { apiKeyFromRow, orgFromRow } from './codec.js';
import { isUniqueViolation } from './errors.js';

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
    try {
      await this.db.insertInto('orgs').values({ slug: org.slug, name: org.name, created_at: now }).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new EventhookError('EH_ORG_EXISTS', { org: org.slug });
      throw err;
    }
    return { slug: org.slug, name: org.name, createdAt: now, rulesVersion: 0 };
  }

  async get(slug: string): Promise<OrgRecord | undefined> {
    const row = await this.db.selectFrom('orgs').selectAll().where('slug', '=', slug).executeTakeFirst();
    return row && orgFromRow(row);
  }

  async list(): Promise<OrgRecord[]> {
    const rows = await this.db.selectFrom('orgs').selectAll().orderBy('slug').execute();
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
