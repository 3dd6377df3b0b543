// Orgs, API keys and the operator token: who may call the management API, and for which org.
import { auditEntry } from '../audit/index.js';
import type { Clock } from '../core/clock.js';
import { EventhookError } from '../core/errors.js';
import { newId, SLUG_PATTERN } from '../core/ids.js';
import { hashToken, randomToken, safeEqual } from '../core/secret-box.js';
import type { RetiredOrg, Store } from '../store/port.js';
import type { Actor, ApiKeyRecord, ApiKeyRole, OrgRecord } from '../store/records.js';

/** Told after a change commits, so that other processes drop what they hold of it. */
export interface AccessHooks {
  /** An org deleted: its sources and endpoints are disabled. */
  orgRetired?(retired: RetiredOrg): void;
  /** Keys revoked (null: every key of the org): live streams opened with them end. */
  keysRevoked?(org: string, ids: string[] | null): void;
}

export type Principal = { kind: 'operator' } | { kind: 'key'; key: ApiKeyRecord };

const OPERATOR_HASH = 'operator_token_hash';
export const DEFAULT_ORG = 'default';
/** last_used_at is refreshed at most this often per key, so reads do not turn into writes. */
const TOUCH_EVERY_MS = 60_000;
const SLUG_RE = new RegExp(SLUG_PATTERN);

export class AccessService {
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly envOperatorToken: string | undefined,
    private readonly hooks: AccessHooks = {},
  ) {}

  /**
   * First start: creates org `default` on an empty store and, when no operator token is configured, generates
   * one, stores its hash and returns it (the only time it is ever visible).
   */
  async bootstrap(): Promise<{ generatedOperatorToken?: string; createdDefaultOrg: boolean }> {
    let createdDefaultOrg = false;
    if ((await this.store.orgs.count()) === 0) {
      try {
        await this.store.orgs.create({ slug: DEFAULT_ORG, name: 'Default' }, this.clock.now());
        createdDefaultOrg = true;
      } catch (err) {
        if (!(err instanceof EventhookError && err.code === 'EH_ORG_EXISTS')) throw err;
      }
    }
    if (this.envOperatorToken) return { createdDefaultOrg };
    const token = randomToken('eho', 32);
    const wrote = await this.store.settings.setIfAbsent(OPERATOR_HASH, hashToken(token));
    return wrote ? { generatedOperatorToken: token, createdDefaultOrg } : { createdDefaultOrg };
  }

  /** The principal a bearer token names, or undefined when it names none. */
  async authenticate(token: string): Promise<Principal | undefined> {
    if (this.envOperatorToken !== undefined) {
      if (safeEqual(token, this.envOperatorToken)) return { kind: 'operator' };
    } else if (token.startsWith('eho_')) {
      const stored = await this.store.settings.get(OPERATOR_HASH);
      if (stored !== undefined && safeEqual(hashToken(token), stored)) return { kind: 'operator' };
      return undefined;
    }
    const key = await this.store.apiKeys.findActiveByHash(hashToken(token));
    if (!key) return undefined;
    const now = this.clock.now();
    // Said as such rather than "not valid": whoever holds an expired key needs a new one, not to check a typo.
    if (key.expiresAt !== null && key.expiresAt <= now)
      throw new EventhookError('EH_AUTH_EXPIRED', { expiredAt: new Date(key.expiresAt).toISOString() });
    if (now - (this.touched.get(key.id) ?? 0) >= TOUCH_EVERY_MS) {
      this.touched.set(key.id, now);
      await this.store.apiKeys.touch(key.id, now);
    }
    return { kind: 'key', key };
  }

  /** Makes an org, its audit log beginning with its creation (the org's members see who made it and when). */
  async createOrg(slug: string, name: string | undefined, by: Actor): Promise<OrgRecord> {
    assertSlug(slug, '/slug');
    const now = this.clock.now();
    return this.store.transaction(async (tx) => {
      const org = await tx.orgs.create({ slug, name: name ?? slug }, now);
      await tx.auditLog.insert(
        auditEntry('org', byOrgSlug(org), { action: 'created', fields: ['name'], actor: by, at: now }),
      );
      return org;
    });
  }

  async getOrg(slug: string): Promise<OrgRecord> {
    const org = await this.store.orgs.get(slug);
    if (!org) throw new EventhookError('EH_ORG_NOT_FOUND', { org: slug });
    return org;
  }

  listOrgs(opts: { includeDeleted?: boolean } = {}): Promise<OrgRecord[]> {
    return this.store.orgs.list(opts);
  }

  async renameOrg(slug: string, name: string, by: Actor): Promise<OrgRecord> {
    const now = this.clock.now();
    const org = await this.store.transaction(async (tx) => {
      const renamed = await tx.orgs.rename(slug, name);
      if (renamed)
        await tx.auditLog.insert(
          auditEntry('org', byOrgSlug(renamed), { action: 'updated', fields: ['name'], actor: by, at: now }),
        );
      return renamed;
    });
    if (!org) throw new EventhookError('EH_ORG_NOT_FOUND', { org: slug });
    return org;
  }

  /**
   * Deletes an org: at once it answers no more (its keys revoked, its sources, rules and endpoints disabled, grants
   * from and to it deleted); its data is then purged in the background (src/access/org-deletion.ts).
   */
  async deleteOrg(slug: string): Promise<OrgRecord> {
    const retired = await this.store.transaction((tx) => tx.orgs.retire(slug, this.clock.now()));
    if (!retired) throw new EventhookError('EH_ORG_NOT_FOUND', { org: slug });
    this.hooks.orgRetired?.(retired);
    this.hooks.keysRevoked?.(slug, null);
    return retired.org;
  }

  /**
   * Creates a key; the returned `secret` is shown once and never stored. `notAfter`: when the key making it expires
   * (null: never, or the operator token). A key may not make one that outlives it, or an admin key given to a
   * contractor until March would make itself a lasting one and its expiry would mean nothing.
   */
  async createApiKey(
    org: string,
    name: string,
    role: ApiKeyRole,
    by: Actor,
    expiresAt: number | null = null,
    notAfter: number | null = null,
  ): Promise<{ record: ApiKeyRecord; secret: string }> {
    await this.getOrg(org);
    const now = this.clock.now();
    const refuse = (message: string) =>
      new EventhookError(
        'EH_REQUEST_INVALID',
        { message: `/expiresAt: ${message}` },
        { issues: [{ path: '/expiresAt', message }] },
      );
    if (expiresAt !== null && expiresAt <= now)
      throw refuse(`must be in the future (it is ${new Date(now).toISOString()})`);
    if (notAfter !== null && (expiresAt === null || expiresAt > notAfter))
      throw refuse(
        `must be at or before ${new Date(notAfter).toISOString()}, when the key making it expires`,
      );
    const secret = randomToken('ehk', 24);
    const record: ApiKeyRecord = {
      id: newId('apiKey'),
      org,
      name,
      role,
      prefix: secret.slice(0, 10),
      createdAt: now,
      lastUsedAt: null,
      revokedAt: null,
      expiresAt,
    };
    await this.store.transaction(async (tx) => {
      await tx.apiKeys.insert({ ...record, hash: hashToken(secret) });
      await tx.auditLog.insert(
        auditEntry('api_key', record, {
          action: 'created',
          fields: expiresAt === null ? ['name', 'role'] : ['expiresAt', 'name', 'role'],
          actor: by,
          at: record.createdAt,
        }),
      );
    });
    return { record, secret };
  }

  listApiKeys(org: string): Promise<ApiKeyRecord[]> {
    return this.store.apiKeys.list(org);
  }

  async revokeApiKey(org: string, id: string, by: Actor): Promise<void> {
    const now = this.clock.now();
    const revoked = await this.store.transaction(async (tx) => {
      const key = await tx.apiKeys.get(org, id);
      if (!key || !(await tx.apiKeys.revoke(org, key.id, now))) return false;
      await tx.auditLog.insert(auditEntry('api_key', key, { action: 'revoked', actor: by, at: now }));
      return true;
    });
    if (!revoked) {
      throw new EventhookError('EH_API_KEY_NOT_FOUND', { key: id });
    }
    this.hooks.keysRevoked?.(org, [id]);
  }

  /**
   * Whether what authenticated a request long ago (a live stream) still would: the key not revoked, expired or
   * gone with its org since. The operator token always is.
   */
  async stillValid(principal: Principal): Promise<boolean> {
    if (principal.kind === 'operator') return true;
    const key = await this.store.apiKeys.get(principal.key.org, principal.key.id);
    return (
      key !== undefined &&
      key.revokedAt === null &&
      (key.expiresAt === null || key.expiresAt > this.clock.now())
    );
  }
}

/** An org as its audit log names it: by its slug, which never changes (its display name may). */
function byOrgSlug(org: OrgRecord) {
  return { org: org.slug, id: org.slug, name: org.slug };
}

/** Slugs: lower-case letters, digits and inner hyphens, 1–63 characters (they appear in URLs and subjects). */
export function assertSlug(slug: string, path: string): void {
  if (!SLUG_RE.test(slug)) {
    throw new EventhookError(
      'EH_REQUEST_INVALID',
      { message: `${path}: must be 1–63 lower-case letters, digits or inner hyphens` },
      { issues: [{ path, message: 'must be 1–63 lower-case letters, digits or inner hyphens' }] },
    );
  }
}
