// Sources as the ingest hot path uses them: record, compiled verifier, provider template and decrypted secrets,
// cached per (org, slug). A local change invalidates at once, and so does one from another process when the bus
// carries it (EVENTHOOK_BUS=nats); otherwise changes from other processes show within TTL_MS.
import type { Clock } from '../core/clock.js';
import type { SecretBox } from '../core/secret-box.js';
import type { Store } from '../store/port.js';
import type { SourceRecord } from '../store/records.js';
import { parseDotPath } from './body-path.js';
import { getProvider, type Handshake, type ProviderTemplate } from './providers/index.js';
import { openOptions, type StoredSourceSettings } from './secret-options.js';
import type { SourceSettings } from './source-settings.js';
import { createVerifier, type Verifier, type VerifierConfig } from './verifiers/index.js';

const TTL_MS = 1000;
const MAX_ENTRIES = 10_000;
/** Slugs found to name no enabled source: anyone may send those, so they are kept apart and bounded on their own. */
const MAX_MISSING = 1_000;

export interface LiveSource {
  record: SourceRecord;
  settings: SourceSettings;
  verifierConfig: VerifierConfig;
  verifier: Verifier;
  provider: ProviderTemplate | undefined;
  /** Headers that carry this source's credential and must not be stored with the event. */
  credentialHeaders: string[];
  /** The body path a verifier reads this source's key from (Microsoft Graph clientState): redacted when stored. */
  credentialBodyPath: string[] | null;
  /** The provider's challenges and pings, by when they run: before verification (unsigned) or after it. */
  handshakes: { before: Handshake[]; after: Handshake[] };
  /** A handshake signs caller-chosen strings: only JSON-object deliveries are accepted (see Handshake). */
  objectBodiesOnly: boolean;
}

export class LiveSources {
  private readonly cache = new Map<string, { source: LiveSource; at: number }>();
  /**
   * When each (org, slug) was last found to name no enabled source. Apart from `cache` because the ingest route
   * takes no key: a flood of made-up slugs must only ever flush this map, never the org's real sources.
   */
  private readonly missing = new Map<string, number>();
  private readonly opened = new Map<string, string | null>();

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  /** The enabled source, or null when the org or source does not exist or is disabled (callers answer 404). */
  async get(org: string, slug: string): Promise<LiveSource | null> {
    const key = `${org}\n${slug}`;
    const now = this.clock.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < TTL_MS) return hit.source;
    const missedAt = this.missing.get(key);
    if (missedAt !== undefined && now - missedAt < TTL_MS) return null;
    const record = await this.store.sources.get(org, slug);
    if (!record || !record.enabled) {
      this.cache.delete(key);
      if (this.missing.size >= MAX_MISSING) this.missing.clear();
      this.missing.set(key, now);
      return null;
    }
    const source = this.compile(record);
    this.missing.delete(key);
    // More live sources than entries: drop the oldest one rather than every one.
    if (!hit && this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { source, at: now });
    return source;
  }

  invalidate(org: string, slug: string): void {
    const key = `${org}\n${slug}`;
    this.cache.delete(key);
    this.missing.delete(key);
  }

  /**
   * Secrets that verify at `now`, newest first, in plain text (decryption is cached per sealed value). A secret
   * that does not open (the master key changed) is left out, so verification fails closed as `misconfigured`.
   */
  secrets(source: LiveSource, now: number): string[] {
    const plain: string[] = [];
    const live = source.record.secrets.filter((s) => s.expiresAt === null || s.expiresAt > now);
    if (live.length > 1) live.sort((a, b) => b.createdAt - a.createdAt);
    for (const s of live) {
      let opened = this.opened.get(s.sealed);
      if (opened === undefined) {
        opened = this.box.openOrNull(s.sealed);
        if (this.opened.size >= MAX_ENTRIES) this.opened.clear();
        this.opened.set(s.sealed, opened);
      }
      if (opened !== null) plain.push(opened);
    }
    return plain;
  }

  /** The stored settings with the secret options opened, as the verifier and the handshakes need them. */
  private settingsOf(record: SourceRecord): SourceSettings {
    const stored = (record.settings ?? {}) as StoredSourceSettings;
    const { sealedOptions, ...settings } = stored;
    return sealedOptions === undefined ? settings : { ...settings, options: openOptions(stored, this.box) };
  }

  private compile(record: SourceRecord): LiveSource {
    const verifierConfig = record.verifier as unknown as VerifierConfig;
    const credentialHeaders: string[] = [];
    const c = verifierConfig as { type: string; in?: string; name?: string; header?: string };
    if (c.type === 'api_key' && (c.in ?? 'header') === 'header' && c.name)
      credentialHeaders.push(c.name.toLowerCase());
    // A JWT is a bearer credential until it expires, whoever reads it: kept out of the stored event as a key is.
    if (c.type === 'jwt' && c.header) credentialHeaders.push(c.header.toLowerCase());
    const bodyPath = c.type === 'api_key' && c.in === 'body' && c.name ? parseDotPath(c.name) : null;
    const provider = record.provider ? getProvider(record.provider) : undefined;
    const handshakes = [provider?.ping, provider?.handshake].filter((h): h is Handshake => h !== undefined);
    return {
      record,
      settings: this.settingsOf(record),
      verifierConfig,
      verifier: loadVerifier(verifierConfig),
      provider,
      credentialHeaders,
      credentialBodyPath: Array.isArray(bodyPath) ? bodyPath : null,
      handshakes: {
        before: handshakes.filter((h) => h.phase === 'before'),
        after: handshakes.filter((h) => h.phase === 'after'),
      },
      objectBodiesOnly: handshakes.some((h) => h.signsCallerContent === true),
    };
  }
}

/** A stored config that no longer loads (e.g. after an upgrade) rejects every request: never fail open. */
function loadVerifier(config: VerifierConfig): Verifier {
  try {
    return createVerifier(config);
  } catch (err) {
    const detail = `the stored verifier does not load: ${(err as Error).message}`;
    return { verify: () => ({ ok: false, reason: 'misconfigured', detail }) };
  }
}
