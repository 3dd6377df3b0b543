// Source management: a source is built from a provider template or a hand-configured verifier; its secret is
// split off, checked and sealed (AES-256-GCM), and never returned. Rotation keeps old secrets valid for a grace
// period.
import type { AddressPolicy } from '../delivery/address-policy.js';
import { randomBytes } from 'node:crypto';
import { auditEntry, bySlug, fieldsSet } from '../audit/index.js';
import type { Clock } from '../core/clock.js';
import type { JsonValue } from '../core/envelope.js';
import { EventhookError, invalid } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { assertVersion, recheckVersion } from '../core/version.js';
import { isCurrentSecret, type SecretBox } from '../core/secret-box.js';
import type { SourceActivity, Store } from '../store/port.js';
import type { Actor, AuditEntryRecord, SourceRecord, StoredSecret } from '../store/records.js';
import { assertSlug } from '../access/access-service.js';
import { validateEventTypeConfig, validateIdempotencyKeyPath } from './extract.js';
import { validateIpList } from './ip-allow-list.js';
import {
  getProvider,
  providerVerifierConfig,
  secretChooserOf,
  unknownProvider,
  type SecretChooser,
} from './providers/index.js';
import {
  keepSecretOptions,
  openOptions,
  sealOptions,
  secretOptionsOf,
  type StoredSourceSettings,
} from './secret-options.js';
import { SETTINGS_FIELDS, type SourceSettings } from './source-settings.js';
import {
  createVerifier,
  secretFieldOf,
  secretRequired,
  validateSecret,
  type VerifierConfig,
} from './verifiers/index.js';

export interface SourceInput extends SourceSettings {
  slug: string;
  name?: string;
  description?: string;
  enabled?: boolean;
  provider?: string;
  secret?: string;
  /** A hand-configured verifier; may carry its secret in its own secret field (e.g. hmac.secret). */
  verifier?: Record<string, unknown>;
}

/** A partial update; a settings field given as null is removed (back to its default). */
export type SourcePatch = Partial<Omit<SourceInput, 'slug' | keyof SourceSettings>> & {
  slug?: string;
} & { [K in keyof SourceSettings]?: SourceSettings[K] | null };

export const CUSTOM_PROVIDER = 'custom';
export const DEFAULT_ROTATION_GRACE_MS = 24 * 3600_000;
/** A source's activity covers the last day; counting stops here, so a busy source costs a bounded index read. */
export const ACTIVITY_WINDOW_MS = 24 * 3600_000;
export const ACTIVITY_CAP = 10_000;

export class SourceService {
  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly maxBodyLimit: number,
    /** The outbound SSRF policy: a jwt verifier's jwksUrl on a refused IP literal is refused at save. */
    private readonly policy: AddressPolicy,
    private readonly onChange: (org: string, slug: string) => void = () => {},
  ) {}

  async create(
    org: string,
    input: SourceInput,
    by: Actor,
  ): Promise<{ record: SourceRecord; generatedSecret?: string }> {
    assertSlug(input.slug, '/slug');
    const now = this.clock.now();
    const { verifier, secret, generated } = this.resolveVerifier(input);
    const record: SourceRecord = {
      id: newId('source', now),
      org,
      slug: input.slug,
      name: input.name ?? input.slug,
      description: input.description ?? '',
      provider: input.provider ?? CUSTOM_PROVIDER,
      verifier: verifier as unknown as JsonValue,
      secrets: secret === undefined ? [] : [this.seal(secret, now)],
      settings: sealOptions(this.settingsOf(input), input.provider ?? CUSTOM_PROVIDER, this.box) as JsonValue,
      enabled: input.enabled ?? true,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    };
    await this.store.transaction(async (tx) => {
      await tx.sources.insert(record);
      await tx.auditLog.insert(
        auditEntry('source', bySlug(record), {
          action: 'created',
          fields: fieldsSet(input),
          actor: by,
          at: now,
        }),
      );
    });
    this.onChange(org, record.slug);
    return { record, ...(generated ? { generatedSecret: secret } : {}) };
  }

  async get(org: string, slug: string): Promise<SourceRecord> {
    const source = await this.store.sources.get(org, slug);
    if (!source) throw new EventhookError('EH_SOURCE_NOT_FOUND', { source: slug });
    return source;
  }

  /** The source's newest event and how many it sent in the last 24 h, counted up to ACTIVITY_CAP. */
  async activity(source: SourceRecord): Promise<SourceActivity & { capped: boolean }> {
    const since = this.clock.now() - ACTIVITY_WINDOW_MS;
    // One more than the cap tells a count that stopped from one that is exactly the cap.
    const { last, recent } = await this.store.events.sourceActivity(
      source.org,
      source.id,
      since,
      ACTIVITY_CAP + 1,
    );
    return { last, recent: Math.min(recent, ACTIVITY_CAP), capped: recent > ACTIVITY_CAP };
  }

  list(org: string, opts: { includeDeleted?: boolean } = {}): Promise<SourceRecord[]> {
    return this.store.sources.list(org, opts);
  }

  /**
   * Partial update. A new provider, verifier or secret replaces the old one (no grace: use rotateSecret). With
   * `expected` (the version the caller read) it is refused if the source has changed since (EH_VERSION_MISMATCH).
   */
  async update(
    org: string,
    slug: string,
    patch: SourcePatch,
    by: Actor,
    expected?: number,
  ): Promise<SourceRecord> {
    const current = await this.get(org, slug);
    assertVersion('Source', slug, current.updatedAt, expected);
    const now = this.clock.now();
    if (patch.slug !== undefined) assertSlug(patch.slug, '/slug');
    const next: SourceRecord = { ...current, updatedAt: Math.max(now, current.updatedAt + 1) };
    if (patch.slug !== undefined) next.slug = patch.slug;
    if (patch.name !== undefined) next.name = patch.name;
    if (patch.description !== undefined) next.description = patch.description;
    if (patch.enabled !== undefined) next.enabled = patch.enabled;
    const { sealedOptions: kept = {}, ...stored } = current.settings as StoredSourceSettings;
    // Secret options are opened so the verifier below is checked with them, and sealed again when saved.
    const opened = openOptions(current.settings as StoredSourceSettings, this.box);
    const settings: SourceSettings = { ...stored, ...(opened && { options: opened }) };
    for (const f of SETTINGS_FIELDS) {
      if (patch[f] === null) delete settings[f];
      else if (patch[f] !== undefined) (settings as Record<string, unknown>)[f] = patch[f];
    }
    if (patch.options) settings.options = keepSecretOptions(patch.options, opened ?? {}, Object.keys(kept));
    if (patch.provider !== undefined || patch.verifier !== undefined || patch.secret !== undefined) {
      const provider =
        patch.provider ?? (patch.verifier ? CUSTOM_PROVIDER : (current.provider ?? CUSTOM_PROVIDER));
      const verifier =
        patch.verifier ?? (provider === CUSTOM_PROVIDER ? { ...(current.verifier as object) } : undefined);
      const keepSecret = patch.secret === undefined && !this.carriesSecret(verifier);
      const resolved = this.resolveVerifier(
        { ...settings, slug: next.slug, provider, verifier, secret: patch.secret },
        { carried: keepSecret ? this.activeSecrets(current, now)[0] : undefined, mayGenerate: false },
      );
      next.provider = provider;
      next.verifier = resolved.verifier as unknown as JsonValue;
      if (!keepSecret || resolved.secret === undefined)
        next.secrets = resolved.secret === undefined ? [] : [this.seal(resolved.secret, now)];
    } else if (patch.options !== undefined && current.provider && current.provider !== CUSTOM_PROVIDER) {
      next.verifier = providerVerifierConfig(
        current.provider,
        settings.options ?? {},
      ) as unknown as JsonValue;
    }
    if (next.provider !== current.provider && settings.options) {
      // The old provider's secret options mean nothing to the new one, and would be kept in plain text.
      for (const name of Object.keys(kept)) if (!patch.options?.[name]) delete settings.options[name];
    }
    next.settings = sealOptions(
      this.settingsOf({ ...settings, slug: next.slug }),
      next.provider,
      this.box,
    ) as JsonValue;
    // Saved only if nobody changed or deleted the source since it was read: two rotations at once must not both
    // show a secret "once" while only one is kept.
    const entry = auditEntry('source', bySlug(next), {
      action: 'updated',
      fields: fieldsSet(patch),
      actor: by,
      at: now,
    });
    if (!(await this.save(next, current.updatedAt, entry))) {
      await recheckVersion('Source', slug, expected, () => this.get(org, slug));
      throw new EventhookError('EH_CONCURRENT_CHANGE', { resource: 'Source', name: slug });
    }
    this.onChange(org, slug);
    if (next.slug !== slug) this.onChange(org, next.slug);
    return next;
  }

  /**
   * Seals secret options that are still stored in plain text (sources saved before those options were sealed).
   * Run at startup; a source changed meanwhile by another process is left for its next start. Returns how many.
   */
  async sealPlainSecretOptions(): Promise<number> {
    let sealed = 0;
    for (const { slug: org } of await this.store.orgs.list()) {
      for (const current of await this.store.sources.list(org, { includeDeleted: true })) {
        const settings = current.settings as StoredSourceSettings;
        const names = secretOptionsOf(current.provider).filter((n) => settings.options?.[n] !== undefined);
        if (names.length === 0) continue;
        const { sealedOptions = {}, ...plain } = settings;
        const next = sealOptions(plain, current.provider, this.box);
        next.sealedOptions = { ...sealedOptions, ...next.sealedOptions };
        const updated = { ...current, settings: next as JsonValue, updatedAt: current.updatedAt + 1 };
        if (await this.store.sources.update(updated, current.updatedAt)) {
          sealed++;
          this.onChange(org, current.slug);
        }
      }
    }
    return sealed;
  }

  /** Soft delete; with `expected`, only while the source is still at that version (EH_VERSION_MISMATCH otherwise). */
  async delete(org: string, slug: string, by: Actor, expected?: number): Promise<void> {
    const now = this.clock.now();
    const deleted = await this.store.transaction(async (tx) => {
      const current = await tx.sources.get(org, slug);
      if (!current || !(await tx.sources.softDelete(org, slug, now, expected))) return false;
      await tx.auditLog.insert(
        auditEntry('source', bySlug(current), { action: 'deleted', actor: by, at: now }),
      );
      return true;
    });
    if (!deleted) {
      await recheckVersion('Source', slug, expected, () => this.get(org, slug));
      throw new EventhookError('EH_SOURCE_NOT_FOUND', { source: slug });
    }
    this.onChange(org, slug);
  }

  /**
   * Adds a new secret (given, or generated where you choose it and the verifier lets Eventhook make it; where the
   * provider issues it, EH_SOURCE_SECRET_REQUIRED without one); the current ones keep verifying until `graceMs` from
   * now. Given the secret that verifies now (the newest, with no end), it changes nothing (`unchanged`): rotating to
   * it would only put an end on it and keep a second copy (`apply --rotate-secrets` re-sends the file's secret
   * whether or not it changed).
   */
  async rotateSecret(
    org: string,
    slug: string,
    opts: { secret?: string; graceMs?: number },
    by: Actor,
  ): Promise<{ record: SourceRecord; generatedSecret?: string; unchanged?: true }> {
    const current = await this.get(org, slug);
    if (isCurrentSecret(this.box, current.secrets, opts.secret)) return { record: current, unchanged: true };
    const config = current.verifier as unknown as VerifierConfig;
    if (secretFieldOf(config.type) === null) {
      throw invalid(
        [{ path: '/secret', message: `a ${config.type} verifier has no secret to rotate` }],
        'EH_SOURCE_INVALID',
      );
    }
    const template = current.provider === null ? undefined : getProvider(current.provider);
    if (opts.secret === undefined && template && sourceSecretChooser(current) === 'provider') {
      // The provider signs with the secret it issued: a generated one would verify nothing, and once the grace
      // period ended the old one too would stop, failing every webhook.
      throw new EventhookError(
        'EH_SOURCE_SECRET_REQUIRED',
        { provider: template.name, source: slug },
        {
          issues: [
            {
              path: '/secret',
              message: `is required: paste the new secret ${template.name} shows (${template.name} issues it)`,
            },
          ],
        },
      );
    }
    const now = this.clock.now();
    const generated = opts.secret === undefined;
    const secret = opts.secret ?? generateSecret(config);
    validateSecret(config, secret);
    const expiresAt = now + (opts.graceMs ?? DEFAULT_ROTATION_GRACE_MS);
    const kept = current.secrets
      .filter((s) => s.expiresAt === null || s.expiresAt > now)
      .map((s) => ({ ...s, expiresAt: s.expiresAt === null ? expiresAt : Math.min(s.expiresAt, expiresAt) }));
    const next: SourceRecord = {
      ...current,
      secrets: [this.seal(secret, now), ...kept],
      updatedAt: Math.max(now, current.updatedAt + 1),
    };
    // Saved only if nobody changed or deleted the source since it was read: two rotations at once must not both
    // show a secret "once" while only one is kept.
    const entry = auditEntry('source', bySlug(next), {
      action: 'secret_rotated',
      fields: ['secrets'],
      actor: by,
      at: now,
    });
    if (!(await this.save(next, current.updatedAt, entry)))
      throw new EventhookError('EH_CONCURRENT_CHANGE', { resource: 'Source', name: slug });
    this.onChange(org, slug);
    return { record: next, ...(generated ? { generatedSecret: secret } : {}) };
  }

  /** Saves `next` at version `basis` with the entry that records the change, or neither (false). */
  private save(next: SourceRecord, basis: number, entry: AuditEntryRecord): Promise<boolean> {
    return this.store.transaction(async (tx) => {
      const done = await tx.sources.update(next, basis);
      if (done) await tx.auditLog.insert(entry);
      return done;
    });
  }

  /** Secrets that verify now, newest first, decrypted. */
  activeSecrets(source: SourceRecord, now: number): string[] {
    return source.secrets
      .filter((s) => s.expiresAt === null || s.expiresAt > now)
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((s) => this.box.open(s.sealed));
  }

  /**
   * `carried`: the secret verifying now, kept by a change that gave none — used if the new verifier takes a secret;
   * a change to one that takes none (such as `none`) drops it instead of being refused for it. `mayGenerate`: false
   * where no answer shows a made-up secret (a PATCH), so one that is needed must be given.
   */
  private resolveVerifier(
    input: SourceInput,
    { carried, mayGenerate = true }: { carried?: string | undefined; mayGenerate?: boolean } = {},
  ): {
    verifier: VerifierConfig;
    secret?: string;
    generated: boolean;
  } {
    const provider = input.provider ?? CUSTOM_PROVIDER;
    let verifier: VerifierConfig;
    let secret = input.secret;
    // Where the secret was given, to locate a problem with it: top level, or inside a custom verifier.
    let secretAt = '/secret';
    if (provider !== CUSTOM_PROVIDER) {
      if (!getProvider(provider)) throw unknownProvider(provider);
      if (input.verifier !== undefined) {
        throw invalid(
          [
            {
              path: '/verifier',
              message: `give either a provider or a verifier, not both (provider ${provider})`,
            },
          ],
          'EH_SOURCE_INVALID',
        );
      }
      verifier = providerVerifierConfig(provider, input.options ?? {});
    } else {
      if (input.verifier === undefined) {
        throw invalid(
          [
            {
              path: '/verifier',
              message: 'is required when no provider is given (or use provider: "custom")',
            },
          ],
          'EH_SOURCE_INVALID',
        );
      }
      const { config, secret: inner } = splitSecret(input.verifier);
      if (inner !== undefined && secret !== undefined && inner !== secret) {
        throw invalid(
          [{ path: '/secret', message: 'given twice with different values (top level and in the verifier)' }],
          'EH_SOURCE_INVALID',
        );
      }
      verifier = config as VerifierConfig;
      createVerifier(verifier);
      if (secret === undefined && inner !== undefined) {
        secret = inner;
        secretAt = `/verifier/${secretFieldOf(verifier.type) ?? 'secret'}`;
      }
    }
    if (secret === undefined && secretFieldOf(verifier.type) !== null) secret = carried;
    let generated = false;
    if (secret === undefined && secretRequired(verifier)) {
      // A provider that issues the secret signs with the one it shows: it must be given. Where you choose it (you
      // type it into the provider), Eventhook may make one and show it once, as rotate-secret does.
      const template = provider === CUSTOM_PROVIDER ? undefined : getProvider(provider);
      const chooser = template ? secretChooserOf(template, input.options ?? {}) : 'user';
      if (chooser !== 'user' || !canGenerate(verifier) || !mayGenerate) {
        const field =
          provider === CUSTOM_PROVIDER ? `/verifier/${secretFieldOf(verifier.type) ?? 'secret'}` : '/secret';
        throw invalid([{ path: field, message: 'is required' }], 'EH_SOURCE_INVALID');
      }
      secret = generateSecret(verifier);
      generated = true;
    }
    if (secret !== undefined) {
      if (secretFieldOf(verifier.type) === null) {
        throw invalid(
          [{ path: '/secret', message: `a ${verifier.type} verifier takes no secret` }],
          'EH_SOURCE_INVALID',
        );
      }
      validateSecret(verifier, secret, secretAt);
    }
    if (verifier.type === 'jwt' && verifier.jwksUrl !== undefined) {
      const refused = this.policy.refusesUrl(verifier.jwksUrl);
      if (refused !== undefined) {
        const path = provider === CUSTOM_PROVIDER ? '/verifier/jwksUrl' : '/options/jwksUrl';
        throw invalid(
          [{ path, message: `${refused}; key sets are not fetched there (see EVENTHOOK_OUTBOUND_ALLOW)` }],
          'EH_SOURCE_INVALID',
        );
      }
    }
    return { verifier, secret, generated };
  }

  private carriesSecret(verifier: Record<string, unknown> | undefined): boolean {
    if (!verifier || typeof verifier.type !== 'string') return false;
    const field = secretFieldOf(verifier.type as VerifierConfig['type']);
    return field !== null && verifier[field] !== undefined;
  }

  private settingsOf(input: SourceSettings & { slug: string }): SourceSettings {
    const s: SourceSettings = {};
    for (const f of SETTINGS_FIELDS) if (input[f] !== undefined) (s as Record<string, unknown>)[f] = input[f];
    s.idempotencyKeys?.forEach((p, i) => validateIdempotencyKeyPath(p, i));
    if (s.eventType) validateEventTypeConfig(s.eventType);
    if (s.ipAllowList) validateIpList(s.ipAllowList, 'ipAllowList');
    if (s.bodyLimit !== undefined && s.bodyLimit > this.maxBodyLimit) {
      throw invalid(
        [{ path: '/bodyLimit', message: `must be at most ${this.maxBodyLimit} bytes` }],
        'EH_SOURCE_INVALID',
      );
    }
    return s;
  }

  private seal(secret: string, now: number): StoredSecret {
    return {
      id: newId('source', now).replace('src_', 'sec_'),
      sealed: this.box.seal(secret),
      createdAt: now,
      expiresAt: null,
    };
  }
}

/** Takes the secret out of a hand-written verifier config (its field depends on the type). */
function splitSecret(verifier: Record<string, unknown>): {
  config: Record<string, unknown>;
  secret?: string;
} {
  const type = verifier.type;
  const field = typeof type === 'string' ? secretFieldOf(type as VerifierConfig['type']) : null;
  if (field === null || !(field in verifier)) return { config: verifier };
  const { [field]: secret, ...config } = verifier;
  if (typeof secret !== 'string') {
    throw invalid([{ path: `/verifier/${field}`, message: 'must be a string' }], 'EH_SOURCE_INVALID');
  }
  return { config, secret };
}

/**
 * Who chooses a source's secret: its template's say, for its options; for a custom source `user` where Eventhook
 * can make the secret (a shared secret the sender is configured with), else `provider` (a public key or JWT key the
 * sender holds). Null when the source takes no secret.
 */
export function sourceSecretChooser(source: SourceRecord): SecretChooser | null {
  const verifier = source.verifier as unknown as VerifierConfig;
  if (secretFieldOf(verifier.type) === null) return null;
  const template =
    source.provider === null || source.provider === CUSTOM_PROVIDER
      ? undefined
      : getProvider(source.provider);
  if (template) return secretChooserOf(template, (source.settings as StoredSourceSettings).options ?? {});
  return canGenerate(verifier) ? 'user' : 'provider';
}

/** Shared-secret schemes where Eventhook may pick the secret and show it once (the sender is configured with it). */
function canGenerate(v: VerifierConfig): boolean {
  return v.type === 'hmac' || v.type === 'token' || v.type === 'api_key' || v.type === 'standard_webhooks';
}

function generateSecret(v: VerifierConfig): string {
  if (v.type === 'standard_webhooks') return `whsec_${randomBytes(32).toString('base64')}`;
  if (!canGenerate(v))
    throw invalid([{ path: '/secret', message: `give the new ${v.type} secret` }], 'EH_SOURCE_INVALID');
  return randomBytes(24).toString('base64url');
}
