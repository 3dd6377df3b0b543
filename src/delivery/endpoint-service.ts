// Endpoint management: create (a whsec_ secret is generated and shown once when none is given), read, update,
// delete, rotate secrets with a grace period, and enable. Secrets, credentials and secret headers are sealed
// (AES-256-GCM) and never returned. Any change wakes the endpoint's waiting deliveries, which look again at what
// holds them.
import { assertSlug } from '../access/access-service.js';
import { auditEntry, bySlug, fieldsSet, type AuditedChange } from '../audit/index.js';
import {
  assertVersion,
  EventhookError,
  invalid,
  isCurrentSecret,
  newId,
  REDACTED,
  type Clock,
  type FieldIssue,
  type SecretBox,
} from '../core/index.js';
import type { Store, StoreRepos } from '../store/port.js';
import type { Actor, EndpointRecord, EndpointSecretRecord, StoredAuth } from '../store/records.js';
import { webhookEndpointOf } from '../targets/webhook-endpoint.js';
import { WAIT } from './delivery-gate.js';
import type { AddressPolicy } from './address-policy.js';
import type { EndpointAuth } from './endpoint-auth.js';
import { endpointHealth, type EndpointHealth } from './endpoint-health.js';
import {
  checkAuth,
  checkEndpointUrl,
  checkHeaders,
  checkHeadersDisjoint,
  checkLimits,
  checkOrdering,
  DEFAULT_ENDPOINT_TIMEOUT_MS,
  MAX_ENDPOINT_SECRETS,
  retryFromPolicy,
  type EndpointInput,
  type EndpointPatch,
} from './endpoint-input.js';
import {
  generateEndpointSecret,
  parseEndpointSecret,
  publicKeyForSecret,
  rotateSecrets,
  type EndpointSecret,
  type GeneratedSecret,
  type SecretKind,
} from './endpoint-secrets.js';

/**
 * A secret made by Eventhook, returned once (create, rotate) and never again. `unchanged` when a rotation was given
 * the secret that already signs, and so rotated nothing.
 */
export type Created = { record: EndpointRecord; secret?: GeneratedSecret; unchanged?: true };

/** Tries of a read-modify-write that lost a race to another change before it answers 409. */
const MAX_CHANGE_TRIES = 5;

export class EndpointService {
  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly policy: AddressPolicy,
    private readonly defaults: { timeoutMs: number } = { timeoutMs: DEFAULT_ENDPOINT_TIMEOUT_MS },
    /** Tells the delivery worker's cache (and breaker) that the endpoint changed. */
    private readonly onChange: (org: string, slug: string) => void = () => {},
    /**
     * A change was committed, and made `woken` waiting deliveries due: every worker, in this process or another,
     * should drop its copy and look for them now rather than at its next sweep (an enabled endpoint resumes at once).
     */
    private readonly onSaved: (org: string, slug: string, woken: number) => void = () => {},
  ) {}

  async create(org: string, input: EndpointInput, by: Actor): Promise<Created> {
    assertSlug(input.slug, '/slug');
    const now = this.clock.now();
    const ordering = input.ordering ?? 'none';
    const orderingKey = input.orderingKey ?? null;
    checkLimits(input);
    checkOrdering(ordering, orderingKey);
    if ((input.secrets?.length ?? 0) > MAX_ENDPOINT_SECRETS) {
      throw invalid(
        [{ path: '/secrets', message: `at most ${MAX_ENDPOINT_SECRETS} secrets` }],
        'EH_ENDPOINT_INVALID',
      );
    }
    const given = (input.secrets ?? []).map((s, i) => {
      parseEndpointSecret(s, `/secrets/${i}`);
      return s;
    });
    const generated = given.length === 0 ? generateEndpointSecret(input.secretKind ?? 'hmac') : undefined;
    const plain = generated ? [generated.secret] : given;
    const headers = checkHeaders(input.headers);
    const secretHeaders = checkHeaders(input.secretHeaders, 'secretHeaders');
    checkHeadersDisjoint(headers, secretHeaders);
    const record: EndpointRecord = {
      id: newId('endpoint', now),
      org,
      slug: input.slug,
      description: input.description ?? '',
      url: checkEndpointUrl(input.url, this.policy),
      headers,
      auth: this.sealAuth(checkAuth(input.auth, this.policy)),
      secretHeaders: this.sealHeaders(secretHeaders, {}),
      secrets: plain.map((s) => this.sealSecret({ secret: s, createdAt: now })),
      headerStyle: input.headerStyle ?? 'webhook',
      // Not today's default copied in: none given means the deployment's default at each delivery.
      timeoutMs: input.timeoutMs ?? null,
      rateLimit: input.rateLimit ?? null,
      maxConcurrency: input.maxConcurrency ?? null,
      ordering,
      orderingKey,
      retry: retryFromPolicy(input.retry),
      status: input.status ?? 'active',
      breaker: null,
      disabledReason: input.status === 'disabled' ? 'disabled by a user' : null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    };
    await this.store.transaction(async (tx: StoreRepos) => {
      await tx.endpoints.insert(record);
      await tx.auditLog.insert(
        auditEntry('endpoint', bySlug(record), {
          action: 'created',
          fields: fieldsSet(input),
          actor: by,
          at: now,
        }),
      );
    });
    this.onChange(org, record.slug);
    this.onSaved(org, record.slug, 0);
    return { record, ...(generated ? { secret: generated } : {}) };
  }

  async get(org: string, slug: string): Promise<EndpointRecord> {
    const endpoint = await this.store.endpoints.get(org, slug);
    if (!endpoint) throw new EventhookError('EH_ENDPOINT_NOT_FOUND', { endpoint: slug });
    return endpoint;
  }

  /** The timeout of an endpoint that sets none: the deployment's (EVENTHOOK_DELIVERY_TIMEOUT). */
  get defaultTimeoutMs(): number {
    return this.defaults.timeoutMs;
  }

  list(org: string, opts: { includeDeleted?: boolean } = {}): Promise<EndpointRecord[]> {
    return this.store.endpoints.list(org, opts);
  }

  /** State, success rate, latency percentiles and queue depth, from the stored attempts and actions. */
  health(endpoint: EndpointRecord): Promise<EndpointHealth> {
    return endpointHealth(this.store, endpoint, this.clock.now());
  }

  /**
   * Partial update; `null` clears rateLimit, maxConcurrency, orderingKey and retry. With `expected` (the version the
   * caller read) it is refused if the endpoint's configuration has changed since (EH_VERSION_MISMATCH).
   */
  update(
    org: string,
    slug: string,
    patch: EndpointPatch,
    by: Actor,
    expected?: number,
  ): Promise<EndpointRecord> {
    checkLimits(patch);
    const audit = { actor: by, action: 'updated' as const, fields: fieldsSet(patch) };
    return this.change(org, slug, expected, audit, (current, at) => {
      const next: EndpointRecord = { ...current, updatedAt: at };
      if (patch.url !== undefined) next.url = checkEndpointUrl(patch.url, this.policy);
      const moved = new URL(next.url).origin !== new URL(current.url).origin;
      if (moved) checkCredentialsGivenAgain(current, patch);
      if (patch.description !== undefined) next.description = patch.description;
      if (patch.headers !== undefined) next.headers = checkHeaders(patch.headers);
      if (patch.secretHeaders !== undefined) {
        // Moved elsewhere, a [redacted] value keeps nothing: each credential is sent where it was given for.
        const stored = moved ? {} : current.secretHeaders;
        const given = checkHeaders(patch.secretHeaders, 'secretHeaders', new Set(Object.keys(stored)));
        next.secretHeaders = this.sealHeaders(given, stored);
      }
      checkHeadersDisjoint(next.headers, next.secretHeaders);
      if (patch.auth !== undefined) next.auth = this.sealAuth(checkAuth(patch.auth, this.policy));
      if (patch.headerStyle !== undefined) next.headerStyle = patch.headerStyle;
      if (patch.timeoutMs !== undefined) next.timeoutMs = patch.timeoutMs;
      if (patch.rateLimit !== undefined) next.rateLimit = patch.rateLimit;
      if (patch.maxConcurrency !== undefined) next.maxConcurrency = patch.maxConcurrency;
      if (patch.ordering !== undefined) next.ordering = patch.ordering;
      if (patch.orderingKey !== undefined) next.orderingKey = patch.orderingKey;
      if (patch.ordering === 'none' && patch.orderingKey === undefined) next.orderingKey = null;
      checkOrdering(next.ordering, next.orderingKey);
      if (patch.retry !== undefined) next.retry = retryFromPolicy(patch.retry);
      const statusChange = patch.status !== undefined && patch.status !== current.status;
      if (statusChange) {
        next.status = patch.status!;
        next.disabledReason = patch.status === 'disabled' ? 'disabled by a user' : null;
        // Leaving `disabled` by hand is re-enabling: the failure history that led there is forgotten.
        if (current.status === 'disabled') next.breaker = null;
      }
      return { next, state: statusChange, result: next };
    });
  }

  /**
   * Refused while a rule (enabled or not) still names the endpoint: a rule may not be saved with an endpoint that
   * does not exist, and deleting one under it would turn each matching event into a dead action instead. There is
   * no force: pausing the endpoint stops its deliveries at once, and the rules stay editable.
   */
  async delete(org: string, slug: string, by: Actor, expected?: number): Promise<void> {
    const now = this.clock.now();
    // Waiting deliveries wake, find no endpoint and die visibly rather than wait forever — in the same transaction,
    // so a crash cannot leave them parked for an endpoint that is gone.
    const woken = await this.store.transaction(async (tx: StoreRepos) => {
      // Locked before the rules are read: a rule saved meanwhile reads the endpoint settled in its own transaction
      // (checkTargetReferences), so either it committed first and is among the rules read below, or it waits for
      // this delete and finds no endpoint. Read unlocked, both could pass (PostgreSQL read committed).
      const current = await tx.endpoints.get(org, slug, { exclusive: true });
      if (!current) return null;
      assertVersion('Endpoint', slug, current.updatedAt, expected);
      const users = (await tx.rules.list(org))
        .filter((r) => r.targets.some((t) => webhookEndpointOf(t) === slug))
        .map((r) => r.name);
      if (users.length > 0)
        throw new EventhookError('EH_ENDPOINT_IN_USE', { endpoint: slug, rules: users.join(', ') });
      // Not the get above again: on PostgreSQL (read committed) a DELETE racing this one may have deleted it since.
      if (!(await tx.endpoints.softDelete(org, slug, now, expected))) return null;
      await tx.auditLog.insert(
        auditEntry('endpoint', bySlug(current), { action: 'deleted', actor: by, at: now }),
      );
      // Those waiting only for a scheduled retry (hours away, maybe) too: "does not exist" is known now.
      const ids = await tx.actions.wakeWaiting(org, slug, now, { scheduled: true });
      this.onChange(org, slug); // before the commit too, as in change()
      return ids.length;
    });
    if (woken === null) throw new EventhookError('EH_ENDPOINT_NOT_FOUND', { endpoint: slug });
    this.onChange(org, slug);
    this.onSaved(org, slug, woken);
  }

  /**
   * Wakes deliveries parked for a paused or disabled endpoint that is active again, or deleted. Parking is undone
   * by whoever changes the endpoint, and a parking that raced such a change is re-checked in memory; a crash in
   * between would leave it parked forever, so a starting worker looks once. Returns how many woke.
   */
  async wakeStranded(): Promise<number> {
    const now = this.clock.now();
    let woken = 0;
    for (const org of await this.store.orgs.list()) {
      const all = await this.store.endpoints.list(org.slug, { includeDeleted: true });
      const live = new Set(all.filter((e) => e.deletedAt === null).map((e) => e.slug));
      for (const e of all) {
        if (e.deletedAt === null && e.status !== 'active') continue;
        // A deleted endpoint's slug may be taken again by a live one: its own state decides.
        if (e.deletedAt !== null && live.has(e.slug)) continue;
        const actions = await this.store.actions.wakeWaiting(org.slug, e.slug, now, {
          reasons: e.deletedAt === null ? [WAIT.paused, WAIT.disabled] : undefined,
        });
        woken += actions.length;
      }
    }
    return woken;
  }

  /** Re-enables a paused or disabled endpoint: breaker closed, failure history forgotten, deliveries resume. */
  enable(org: string, slug: string, by: Actor): Promise<EndpointRecord> {
    const audit = { actor: by, action: 'enabled' as const, fields: ['status'] };
    return this.change(org, slug, undefined, audit, (current, at) => {
      const next: EndpointRecord = {
        ...current,
        status: 'active',
        disabledReason: null,
        breaker: null,
        updatedAt: at,
      };
      return { next, state: true, result: next };
    });
  }

  /**
   * Adds a secret (given, or generated: whsec_ unless `kind` says ed25519); every current secret keeps signing
   * until `graceMs` from now (default 24 h), so receivers can switch without rejecting a delivery. Given the secret
   * that signs now (the newest, with no end), it changes nothing: rotating to it would only put an end on it and
   * sign with a second copy (`apply --rotate-secrets` re-sends the file's secret whether or not it changed).
   */
  rotateSecret(
    org: string,
    slug: string,
    opts: { secret?: string; graceMs?: number; kind?: SecretKind },
    by: Actor,
  ): Promise<Created> {
    const audit = { actor: by, action: 'secret_rotated' as const, fields: ['secrets'] };
    return this.change<Created>(org, slug, undefined, audit, (current, at) => {
      if (isCurrentSecret(this.box, current.secrets, opts.secret))
        return { next: null, state: false, result: { record: current, unchanged: true } };
      const byValue = new Map(current.secrets.map((s) => [this.box.open(s.sealed), s]));
      const plain: EndpointSecret[] = [...byValue].map(([secret, s]) => ({
        secret,
        createdAt: s.createdAt,
        ...(s.expiresAt !== null ? { expiresAt: s.expiresAt } : {}),
      }));
      const rotated = rotateSecrets(plain, this.clock, opts);
      if (rotated.secrets.length > MAX_ENDPOINT_SECRETS) {
        throw invalid(
          [{ path: '/secret', message: `at most ${MAX_ENDPOINT_SECRETS} secrets may sign at once` }],
          'EH_ENDPOINT_INVALID',
        );
      }
      const secrets = rotated.secrets.map((s) => {
        const kept = byValue.get(s.secret);
        return kept ? { ...kept, expiresAt: s.expiresAt ?? null } : this.sealSecret(s);
      });
      const next: EndpointRecord = { ...current, secrets, updatedAt: at };
      return {
        next,
        state: false,
        result: { record: next, ...(opts.secret === undefined ? { secret: rotated.created } : {}) },
      };
    });
  }

  /**
   * Reads the endpoint, builds its next version and saves it only if nobody changed it in between, retrying a few
   * times: two edits at once must not lose one (two rotations would each show a secret "once", and only one would
   * sign). The worker's breaker writes leave updatedAt alone and are not overwritten (`state` false keeps them).
   * Waiting deliveries wake when the endpoint is active afterwards (a new URL or limits may let them go).
   */
  private async change<T>(
    org: string,
    slug: string,
    expected: number | undefined,
    audit: Omit<AuditedChange, 'at'>,
    /** `next` null: nothing to change, nothing saved, `result` answered as it is. */
    build: (
      current: EndpointRecord,
      at: number,
    ) => { next: EndpointRecord | null; state: boolean; result: T },
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.get(org, slug);
      // Checked on every try: a change that beat this one's save is one the caller never saw.
      assertVersion('Endpoint', slug, current.updatedAt, expected);
      const now = this.clock.now();
      // updatedAt is the version: it must move even when two changes come within one millisecond.
      const { next, state, result } = build(current, Math.max(now, current.updatedAt + 1));
      if (next === null) return result;
      let woken = 0;
      const saved = await this.store.transaction(async (tx: StoreRepos) => {
        const done = await tx.endpoints.update(next, { basis: current.updatedAt, state });
        if (done) await tx.auditLog.insert(auditEntry('endpoint', bySlug(next), { ...audit, at: now }));
        if (done && next.status === 'active')
          woken = (await tx.actions.wakeWaiting(next.org, next.slug, now)).length;
        // Before the commit as well as after it: the woken deliveries can be claimed as soon as it is committed,
        // while this waits for the flush, and must not meet the old copy (which would park them again).
        if (done) this.onChange(org, slug);
        return done;
      });
      if (saved) {
        this.onChange(org, slug);
        this.onSaved(org, slug, woken);
        return result;
      }
      if (attempt === MAX_CHANGE_TRIES)
        throw new EventhookError('EH_CONCURRENT_CHANGE', { resource: 'Endpoint', name: slug });
    }
  }

  private sealSecret(s: EndpointSecret): EndpointSecretRecord {
    const kind = parseEndpointSecret(s.secret).kind;
    return {
      id: newId('endpoint', s.createdAt).replace('ep_', 'sec_'),
      sealed: this.box.seal(s.secret),
      createdAt: s.createdAt,
      expiresAt: s.expiresAt ?? null,
      publicKey: kind === 'ed25519' ? publicKeyForSecret(s.secret) : null,
    };
  }

  /** Each value sealed, except the redaction marker, which keeps the value `stored` has under that name. */
  private sealHeaders(given: Record<string, string>, stored: Record<string, string>): Record<string, string> {
    return Object.fromEntries(
      Object.entries(given).map(([name, value]) => [
        name,
        value === REDACTED ? stored[name]! : this.box.seal(value),
      ]),
    );
  }

  private sealAuth(auth: EndpointAuth): StoredAuth | null {
    if (auth.type === 'none') return null;
    const info: Record<string, string> = {};
    if (auth.type === 'basic') info.username = auth.username;
    if (auth.type === 'api_key') info.header = auth.header;
    if (auth.type === 'oauth2_client_credentials') {
      info.tokenUrl = auth.tokenUrl;
      info.clientId = auth.clientId;
      if (auth.scope !== undefined) info.scope = auth.scope;
      if (auth.audience !== undefined) info.audience = auth.audience;
    }
    return { type: auth.type, sealed: this.box.seal(JSON.stringify(auth)), info };
  }
}

/** Opens stored secret headers for sending: name → value. */
export function openHeaders(box: SecretBox, sealed: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(sealed).map(([name, value]) => [name, box.open(value)]));
}

/** Opens a stored auth for sending. */
export function openAuth(box: SecretBox, auth: StoredAuth | null): EndpointAuth {
  if (auth === null || auth.sealed === null) return { type: 'none' };
  return JSON.parse(box.open(auth.sealed)) as EndpointAuth;
}

/**
 * Credentials are given for the receiver they were given with. Sealed and never shown, they are still readable by
 * whoever can point the endpoint elsewhere: a PATCH that moves the URL to another origin (scheme, host or port) and
 * leaves them stored would send them there. So such a move gives them again, or drops them.
 */
function checkCredentialsGivenAgain(current: EndpointRecord, patch: EndpointPatch): void {
  const issues: FieldIssue[] = [];
  const again = `must be given again when the URL moves to another origin (it was given for ${new URL(current.url).origin})`;
  if (current.auth !== null && patch.auth === undefined)
    issues.push({ path: '/auth', message: `${again}; {"type": "none"} drops it` });
  if (Object.keys(current.secretHeaders).length > 0 && patch.secretHeaders === undefined)
    issues.push({ path: '/secretHeaders', message: `${again}; {} drops them` });
  if (issues.length > 0) throw invalid(issues, 'EH_ENDPOINT_INVALID');
}
