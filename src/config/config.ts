// The one configuration module (STYLE §23): a schema with defaults and units, read once from the environment
// (and optionally a YAML file), validated with cross-field checks, frozen, and passed down.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { EventhookError, isEventhookError } from '../core/errors.js';
import { nearestName } from '../core/nearest-name.js';
import { readTokenFileSync, tokenShaped } from '../engine/adapters/flovyn/flovyn-token.js';
import { parseRange } from '../ingest/ip-allow-list.js';
import { CONFIG_KEYS, ROLES, type ConfigKey } from './keys.js';

export type Role = 'all' | 'api' | 'worker';
export type MigrateMode = 'auto' | 'off';

/** Validated, frozen configuration. Nothing else in the program reads process.env. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** `sqlite:<path>` or `postgres://…`. */
  readonly databaseUrl: string;
  /** `auto`: migrate at start; `off`: leave the schema to `eventhook migrate`, refusing to start while it lags. */
  readonly migrate: MigrateMode;
  /** PostgreSQL: the migrating session's lock_timeout (0: none). */
  readonly migrateLockTimeoutMs: number;
  /** PostgreSQL's statement_timeout, and (plus a grace) the client's wait for an answer; 0 = neither. */
  readonly pgStatementTimeoutMs: number;
  /** Longest wait for a pooled PostgreSQL connection. */
  readonly pgConnectTimeoutMs: number;
  /** /readyz counts the store unreachable when its check takes longer. */
  readonly readinessTimeoutMs: number;
  /** A /metrics scrape waits no longer for the store's figures. */
  readonly metricsStoreTimeoutMs: number;
  readonly adminToken: string | undefined;
  readonly publicUrl: string | undefined;
  readonly masterKey: string | undefined;
  /** Keys that still open secrets sealed before a rotation of the master key; never used to seal. */
  readonly masterKeyPrevious: readonly string[];
  readonly logLevel: string;
  readonly role: Role;
  readonly bodyLimitBytes: number;
  /** Bytes of requests that may wait for their commit at once (GroupCommitter). */
  readonly ingestBacklogBytes: number;
  readonly maxBodyLimitBytes: number;
  readonly maxJsonDepth: number;
  readonly dedupWindowMs: number;
  readonly retentionDays: number;
  /** Days audit log entries are kept; 0 = forever. Apart from retentionDays: an audit trail often must outlive events. */
  readonly auditRetentionDays: number;
  readonly trustedProxies: readonly string[];
  readonly outboundAllow: readonly string[];
  readonly deliveryTimeoutMs: number;
  /** Longest a client may take to send a whole request; 0: no bound. */
  readonly requestTimeoutMs: number;
  readonly retryAfterCapMs: number;
  readonly breakerThreshold: number;
  readonly endpointDisableAfterMs: number;
  readonly routerBatchSize: number;
  readonly actionMaxAttempts: number;
  readonly actionConcurrency: number;
  readonly sweepIntervalMs: number;
  readonly leaseMs: number;
  readonly sandboxCpuMs: number;
  readonly sandboxMemoryBytes: number;
  readonly bus:
    { readonly kind: 'memory' } | { readonly kind: 'nats'; readonly url: string; readonly prefix: string };
  readonly engine: { readonly kind: 'local' } | ({ readonly kind: 'flovyn' } & FlovynEngineConfig);
  /** Set when Flovyn's lifecycle events are consumed (whichever engine runs the rules' targets). */
  readonly flovynEvents: FlovynEventsConfig | undefined;
  /** Set when routed events are published to the JetStream event log (EVENTHOOK_JETSTREAM=on). */
  readonly jetstream: JetStreamConfig | undefined;
  /** Set when applications' events are taken from a JetStream work queue (EVENTHOOK_JETSTREAM_INTAKE=on). */
  readonly jetstreamIntake:
    { readonly url: string; readonly prefix: string; readonly ackWaitMs: number } | undefined;
}

export interface JetStreamConfig {
  readonly url: string;
  /** The deployment's NATS prefix: the log's subjects are under `{prefix}.log.`, its stream named after it. */
  readonly prefix: string;
  readonly replicas: number;
}

export interface FlovynEngineConfig {
  /** Without a trailing slash or `/api/orgs`. */
  readonly url: string;
  /** The token at start: EVENTHOOK_FLOVYN_TOKEN's, or what `tokenFile` held then. */
  readonly token: string;
  /** EVENTHOOK_FLOVYN_TOKEN_FILE, resolved: read again when Flovyn refuses the token (a rotated secret). */
  readonly tokenFile?: string;
  readonly timeoutMs: number;
  /** Eventhook org → Flovyn org slug, where they differ. */
  readonly orgs: ReadonlyMap<string, string>;
}

export interface FlovynEventsConfig {
  readonly natsUrl: string;
  /** Flovyn org id → Eventhook org: whose lifecycle events are consumed. */
  readonly eventOrgs: ReadonlyMap<string, string>;
  /** The NATS queue group of the deployment (its bus prefix): each of its processes takes a share of the events. */
  readonly queueGroup: string;
  /** Taken from a JetStream stream through a durable consumer, so none is lost while Eventhook is down. */
  readonly durable: boolean;
}

type Raw = Partial<Record<ConfigKey, string>>;

/** Shortest operator token accepted: enough to refuse the usual placeholders (changeme, admin, password, secret). */
export const MIN_ADMIN_TOKEN_LENGTH = 12;

/**
 * Reads configuration. Precedence: environment over file over defaults. `env` is passed in (never read here
 * implicitly) so tests and the CLI decide what the program sees.
 */
export function loadConfig(env: NodeJS.ProcessEnv, options: { file?: string; cwd?: string } = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const raw: Raw = {};
  const file = options.file ?? env.EVENTHOOK_CONFIG;
  const path = file && (isAbsolute(file) ? file : resolve(cwd, file));
  if (path) Object.assign(raw, readConfigFile(path));
  const fromFile = new Set(Object.keys(raw) as ConfigKey[]);
  for (const key of Object.keys(CONFIG_KEYS) as ConfigKey[]) {
    const value = env[key];
    if (value !== undefined && value !== '') {
      raw[key] = value;
      fromFile.delete(key);
    }
  }
  try {
    return Object.freeze(build(raw, cwd));
  } catch (err) {
    throw path ? namedAsInFile(err, fromFile, path) : err;
  }
}

/**
 * A value refused that came from the file is named as written there (`retentionDays in eventhook.yaml`), not by the
 * environment variable the operator never set.
 */
function namedAsInFile(err: unknown, fromFile: ReadonlySet<ConfigKey>, path: string): unknown {
  if (!isEventhookError(err, 'EH_CONFIG_INVALID')) return err;
  const { setting, entry, detail } = err.params as { setting?: ConfigKey; entry?: string; detail?: string };
  if (setting === undefined || !fromFile.has(setting)) return err;
  return configError(setting, detail!, entry, `${CONFIG_KEYS[setting].file}${entry ?? ''} in ${path}`);
}

function build(raw: Raw, cwd: string): Config {
  const get = <T>(key: ConfigKey, parse: (v: string, key: ConfigKey) => T): T =>
    parse(raw[key] ?? CONFIG_KEYS[key].default, key);
  const dataDir = resolve(cwd, get('EVENTHOOK_DATA_DIR', str));
  const databaseUrl = normalizeDatabaseUrl(raw.EVENTHOOK_DATABASE_URL, dataDir, cwd);
  const config: Config = {
    port: get('PORT', int(0, 65535)),
    host: get('EVENTHOOK_HOST', str),
    dataDir,
    databaseUrl,
    migrate: get('EVENTHOOK_MIGRATE', oneOf(['auto', 'off'])) as MigrateMode,
    migrateLockTimeoutMs: get(
      'EVENTHOOK_MIGRATE_LOCK_TIMEOUT',
      boundedDuration(100, 86_400_000, '100ms to 24h', true),
    ),
    pgStatementTimeoutMs: get(
      'EVENTHOOK_PG_STATEMENT_TIMEOUT',
      boundedDuration(100, 86_400_000, '100ms to 24h', true),
    ),
    pgConnectTimeoutMs: get('EVENTHOOK_PG_CONNECT_TIMEOUT', boundedDuration(100, 600_000, '100ms to 10m')),
    readinessTimeoutMs: get('EVENTHOOK_READINESS_TIMEOUT', boundedDuration(100, 60_000, '100ms to 60s')),
    metricsStoreTimeoutMs: get(
      'EVENTHOOK_METRICS_STORE_TIMEOUT',
      boundedDuration(100, 60_000, '100ms to 60s'),
    ),
    adminToken: optional(raw.EVENTHOOK_ADMIN_TOKEN),
    publicUrl: optional(raw.EVENTHOOK_PUBLIC_URL)?.replace(/\/+$/, ''),
    masterKey: optional(raw.EVENTHOOK_MASTER_KEY),
    masterKeyPrevious: list(raw.EVENTHOOK_MASTER_KEY_PREVIOUS ?? ''),
    logLevel: get(
      'EVENTHOOK_LOG_LEVEL',
      oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    ),
    role: get('EVENTHOOK_ROLE', roleOf),
    bodyLimitBytes: get('EVENTHOOK_BODY_LIMIT', positiveBytes),
    ingestBacklogBytes: get('EVENTHOOK_INGEST_BACKLOG', bytes),
    maxBodyLimitBytes: get('EVENTHOOK_MAX_BODY_LIMIT', positiveBytes),
    requestTimeoutMs: get('EVENTHOOK_REQUEST_TIMEOUT', boundedDuration(1_000, 600_000, '1s to 10m', true)),
    maxJsonDepth: get('EVENTHOOK_MAX_JSON_DEPTH', int(1, 10_000)),
    // A source's own window is 1 s to 90 days (dedupWindowSeconds); 0 would mark nothing as a duplicate.
    dedupWindowMs: get('EVENTHOOK_DEDUP_WINDOW', boundedDuration(1_000, 90 * DAY_MS, '1s to 90d')),
    retentionDays: get('EVENTHOOK_RETENTION_DAYS', int(0, 36_500)),
    auditRetentionDays: get('EVENTHOOK_AUDIT_RETENTION_DAYS', int(0, 36_500)),
    trustedProxies: get('EVENTHOOK_TRUSTED_PROXIES', list),
    outboundAllow: get('EVENTHOOK_OUTBOUND_ALLOW', list),
    deliveryTimeoutMs: get('EVENTHOOK_DELIVERY_TIMEOUT', boundedDuration(100, 120_000, '100ms to 120s')),
    // 0 would ignore every Retry-After; beyond a day a receiver could park deliveries for ever.
    retryAfterCapMs: get('EVENTHOOK_RETRY_AFTER_CAP', boundedDuration(1_000, DAY_MS, '1s to 24h')),
    breakerThreshold: get('EVENTHOOK_BREAKER_THRESHOLD', int(1, 1000)),
    // 0 would disable an endpoint at its first failed delivery.
    endpointDisableAfterMs: get(
      'EVENTHOOK_ENDPOINT_DISABLE_AFTER',
      boundedDuration(60_000, 365 * DAY_MS, '1m to 365d'),
    ),
    routerBatchSize: get('EVENTHOOK_ROUTER_BATCH', int(1, 10_000)),
    actionMaxAttempts: get('EVENTHOOK_ACTION_MAX_ATTEMPTS', int(1, 100)),
    actionConcurrency: get('EVENTHOOK_ACTION_CONCURRENCY', int(1, 10_000)),
    // 0 would sweep (and beat) without a pause, and beyond 24 days Node's timers overflow to every millisecond.
    sweepIntervalMs: get('EVENTHOOK_SWEEP_INTERVAL', boundedDuration(10, 3_600_000, '10ms to 1h')),
    leaseMs: get('EVENTHOOK_LEASE', boundedDuration(1_000, 86_400_000, '1s to 24h')),
    sandboxCpuMs: get('EVENTHOOK_SANDBOX_CPU_MS', int(1, 60_000)),
    // What the sandbox accepts (src/transform/sandbox/script.ts): outside it every script would be refused.
    sandboxMemoryBytes: get('EVENTHOOK_SANDBOX_MEMORY', boundedBytes(1024 ** 2, 1024 ** 3, '1MiB to 1GiB')),
    bus: busConfig(raw, get),
    engine: engineConfig(raw, get, cwd),
    flovynEvents: flovynEventsConfig(raw, get),
    jetstream: jetstreamConfig(raw, get),
    jetstreamIntake: jetstreamIntakeConfig(raw, get),
  };
  if (config.bodyLimitBytes > config.maxBodyLimitBytes) {
    throw configError(
      'EVENTHOOK_BODY_LIMIT',
      `must not exceed EVENTHOOK_MAX_BODY_LIMIT (${config.maxBodyLimitBytes})`,
    );
  }
  // Shown to users as the ingest URLs they give providers: `hooks.example.com/api/…` is no URL a provider can call.
  if (config.publicUrl !== undefined && !/^https?:\/\/[^/]/.test(config.publicUrl)) {
    throw configError(
      'EVENTHOOK_PUBLIC_URL',
      `must be the http(s) URL providers reach, such as https://hooks.example.com (got "${config.publicUrl}")`,
    );
  }
  // Read at each webhook to a source with an IP allow-list, which a bad entry would refuse (400) as the sender's fault.
  config.trustedProxies.forEach((entry, i) => {
    if (!parseRange(entry))
      throw configError(
        'EVENTHOOK_TRUSTED_PROXIES',
        `: "${entry}" is not an IP address or CIDR range`,
        `[${i}]`,
      );
  });
  // The operator token acts on every org: one as guessable as `changeme` or `admin` is refused rather than trusted.
  if (config.adminToken !== undefined && config.adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw configError(
      'EVENTHOOK_ADMIN_TOKEN',
      `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (got ${config.adminToken.length}); unset it to have one generated`,
    );
  }
  if (config.masterKey !== undefined && !MASTER_KEY.test(config.masterKey)) {
    throw configError('EVENTHOOK_MASTER_KEY', 'must be 32 bytes in base64 (44 characters)');
  }
  config.masterKeyPrevious.forEach((key, i) => {
    if (!MASTER_KEY.test(key))
      throw configError(
        'EVENTHOOK_MASTER_KEY_PREVIOUS',
        `key ${i + 1} must be 32 bytes in base64 (44 characters)`,
      );
    if (key === config.masterKey)
      throw configError('EVENTHOOK_MASTER_KEY_PREVIOUS', `key ${i + 1} is EVENTHOOK_MASTER_KEY itself`);
  });
  return config;
}

/** The deployment's NATS server and subject prefix, for a user of NATS that `setting` switched on. */
function natsServer(raw: Raw, get: Get, setting: string): { url: string; prefix: string } {
  const url = optional(raw.EVENTHOOK_NATS_URL);
  if (url === undefined) throw configError('EVENTHOOK_NATS_URL', `must be set with ${setting}`);
  return { url: natsServers(url, 'EVENTHOOK_NATS_URL'), prefix: get('EVENTHOOK_NATS_PREFIX', natsPrefix) };
}

/**
 * One NATS server the Node client can reach: `nats://` or `tls://`, with credentials and a port if need be, or a bare
 * `host:port`, which the client takes as `nats://`.
 */
const NATS_SERVER = /^((nats|tls):\/\/([^\s/@]+@)?)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?\/?$/;

/**
 * A NATS server list (comma-separated). Anything else (`http://`, `ws://`, which the Node client cannot speak, or
 * a typo such as `nats//host` or `nats:host`) would only fail at each connection attempt, for ever, after a start
 * that looked fine.
 */
function natsServers(v: string, key: ConfigKey): string {
  for (const server of v.split(',').map((s) => s.trim()))
    if (!NATS_SERVER.test(server))
      throw configError(
        key,
        `must be nats://host:port or tls://host:port (comma-separated for several), got "${server}"`,
      );
  return v;
}

function busConfig(raw: Raw, get: Get): Config['bus'] {
  if (get('EVENTHOOK_BUS', oneOf(['memory', 'nats'])) === 'memory') return { kind: 'memory' };
  return { kind: 'nats', ...natsServer(raw, get, 'EVENTHOOK_BUS=nats') };
}

function jetstreamConfig(raw: Raw, get: Get): JetStreamConfig | undefined {
  if (get('EVENTHOOK_JETSTREAM', oneOf(['off', 'on'])) === 'off') return undefined;
  return {
    ...natsServer(raw, get, 'EVENTHOOK_JETSTREAM=on'),
    replicas: get('EVENTHOOK_JETSTREAM_REPLICAS', int(1, 5)),
  };
}

function jetstreamIntakeConfig(raw: Raw, get: Get): Config['jetstreamIntake'] {
  if (get('EVENTHOOK_JETSTREAM_INTAKE', oneOf(['off', 'on'])) === 'off') return undefined;
  const server = natsServer(raw, get, 'EVENTHOOK_JETSTREAM_INTAKE=on');
  const ackWaitMs = get('EVENTHOOK_JETSTREAM_ACK_WAIT', boundedDuration(1_000, 3_600_000, '1s to 1h'));
  return { ...server, ackWaitMs };
}

function natsPrefix(v: string, key: ConfigKey): string {
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(v))
    throw configError(key, 'must be NATS subject tokens (letters, digits, _ and -) joined by dots');
  return v;
}

type Get = <T>(key: ConfigKey, parse: (v: string, key: ConfigKey) => T) => T;

function engineConfig(raw: Raw, get: Get, cwd: string): Config['engine'] {
  if (get('EVENTHOOK_ENGINE', oneOf(['local', 'flovyn'])) === 'local') return { kind: 'local' };
  // Whitespace around it (a secret file's line break, a YAML block) would end up inside every request's URL, each
  // call then failing as "could not be reached: invalid URL": dropped, and a URL no request could use is refused.
  const url = optional(raw.EVENTHOOK_FLOVYN_URL?.trim());
  if (url === undefined)
    throw configError('EVENTHOOK_FLOVYN_URL', 'must be the http(s) URL of the Flovyn server');
  if (!/^https?:\/\/[^/\s]/.test(url) || /\s/.test(url) || !URL.canParse(url))
    throw configError('EVENTHOOK_FLOVYN_URL', `must be the http(s) URL of the Flovyn server, got "${url}"`);
  const { token, tokenFile } = flovynToken(raw, cwd);
  const timeoutMs = get('EVENTHOOK_FLOVYN_TIMEOUT', boundedDuration(100, 120_000, '100ms to 120s'));
  return {
    kind: 'flovyn',
    // Flovyn's own docs give the base with `/api/orgs` on it; the engine adds that part itself.
    url: url.replace(/\/+$/, '').replace(/\/api\/orgs$/, ''),
    token,
    ...(tokenFile !== undefined ? { tokenFile } : {}),
    timeoutMs,
    orgs: get('EVENTHOOK_FLOVYN_ORGS', pairs),
  };
}

/**
 * The token, given as it is or as a file (a mounted secret, which rotates: the engine reads it again when Flovyn
 * refuses the token). One way only: with both, which one is in use would be a guess. The file is read now, so one
 * that cannot give a token stops the start rather than every call.
 */
function flovynToken(raw: Raw, cwd: string): { token: string; tokenFile?: string } {
  const file = optional(raw.EVENTHOOK_FLOVYN_TOKEN_FILE?.trim());
  // A secret file or a YAML block leaves a line break at the end: sent as it is, the header is invalid and every call
  // fails as if Flovyn could not be reached. Whitespace around is dropped; inside, no header could carry it.
  const token = optional(raw.EVENTHOOK_FLOVYN_TOKEN?.trim());
  if (file !== undefined) {
    if (token !== undefined)
      throw configError(
        'EVENTHOOK_FLOVYN_TOKEN_FILE',
        'must not be set with EVENTHOOK_FLOVYN_TOKEN: give the token one way',
      );
    const path = resolve(cwd, file);
    const read = readTokenFileSync(path);
    if ('token' in read) return { token: read.token, tokenFile: path };
    const why =
      read.problem === 'empty'
        ? 'names an empty file'
        : read.problem === 'shape'
          ? 'must hold one line of visible characters (no spaces or line breaks inside)'
          : `cannot be read (${read.problem})`;
    throw configError('EVENTHOOK_FLOVYN_TOKEN_FILE', `${why}: ${path}`);
  }
  if (token === undefined)
    throw configError('EVENTHOOK_FLOVYN_TOKEN', 'must be set (or EVENTHOOK_FLOVYN_TOKEN_FILE)');
  if (!tokenShaped(token))
    throw configError(
      'EVENTHOOK_FLOVYN_TOKEN',
      'must be one line of visible characters (no spaces or line breaks inside)',
    );
  return { token };
}

function flovynEventsConfig(raw: Raw, get: Get): FlovynEventsConfig | undefined {
  const natsUrl = optional(raw.EVENTHOOK_FLOVYN_NATS_URL);
  if (natsUrl !== undefined) natsServers(natsUrl, 'EVENTHOOK_FLOVYN_NATS_URL');
  const eventOrgs = get('EVENTHOOK_FLOVYN_EVENT_ORGS', pairs);
  // Each id is the third token of `flovyn.events.{org id}.{type}`: a dotted one would never be matched to its org
  // (every event skipped as another org's), a wildcard would take every org's events.
  for (const id of eventOrgs.keys())
    if (!/^[^\s.*>]+$/.test(id))
      throw configError(
        'EVENTHOOK_FLOVYN_EVENT_ORGS',
        `Flovyn org id "${id}" must be one NATS subject token (no dots, spaces, * or >)`,
      );
  if (natsUrl !== undefined && eventOrgs.size === 0)
    throw configError(
      'EVENTHOOK_FLOVYN_EVENT_ORGS',
      'must name the orgs whose lifecycle events are consumed',
    );
  if (natsUrl === undefined && eventOrgs.size > 0)
    throw configError('EVENTHOOK_FLOVYN_NATS_URL', 'must be set to consume lifecycle events');
  const durable = get('EVENTHOOK_FLOVYN_EVENTS_DURABLE', oneOf(['off', 'on'])) === 'on';
  if (natsUrl === undefined && durable)
    throw configError('EVENTHOOK_FLOVYN_NATS_URL', 'must be set to keep lifecycle events durably');
  if (natsUrl === undefined) return undefined;
  return {
    natsUrl,
    eventOrgs,
    queueGroup: get('EVENTHOOK_NATS_PREFIX', natsPrefix),
    durable,
  };
}

/**
 * Variables with the EVENTHOOK_ prefix that are not settings yet are read: the CLI's connection (EVENTHOOK_URL, …),
 * the file (EVENTHOOK_CONFIG), and the test and start scripts' switches.
 */
const OTHER_VARIABLES = new Set([
  'EVENTHOOK_CONFIG',
  'EVENTHOOK_URL',
  'EVENTHOOK_KEY',
  'EVENTHOOK_ORG',
  'EVENTHOOK_FROM_SOURCE',
  'EVENTHOOK_REQUIRE_SERVICES',
  'EVENTHOOK_TEST_POSTGRES_URL',
  'EVENTHOOK_TEST_LOG_LEVEL',
]);

/** What Kubernetes sets in every pod for a Service named `eventhook` (EVENTHOOK_SERVICE_HOST, EVENTHOOK_PORT_8080_TCP, …). */
const KUBERNETES_SERVICE_VARIABLE =
  /^EVENTHOOK_(SERVICE_(HOST|PORT)(_\w+)?|PORT(_\d+_(TCP|UDP|SCTP)(_\w+)?)?)$/;

/**
 * Warnings for environment variables named like settings that are none (a misspelt `EVENTHOOK_DATABSE_URL` would
 * otherwise leave the default in force without a word): each names the variable, the setting it likely meant, and
 * that it is ignored. Not errors, since the environment also holds what other programs set.
 */
export function unknownEnvironmentVariables(env: NodeJS.ProcessEnv): string[] {
  const known = Object.keys(CONFIG_KEYS);
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('EVENTHOOK_') || name in CONFIG_KEYS || OTHER_VARIABLES.has(name)) continue;
    // Kubernetes' EVENTHOOK_PORT holds a URL such as tcp://10.0.0.7:8080; a number there is a misspelt PORT.
    if (
      KUBERNETES_SERVICE_VARIABLE.test(name) &&
      !(name === 'EVENTHOOK_PORT' && /^\d+$/.test(env[name] ?? ''))
    )
      continue;
    const near = name === 'EVENTHOOK_PORT' ? 'PORT' : nearestName(name, known);
    warnings.push(`${name} is not a setting${near ? ` (did you mean ${near}?)` : ''}; it is ignored`);
  }
  return warnings;
}

/** The sections of an apply file (`eventhook apply`), which a file for `serve` may hold beside `server:`. */
const APPLY_SECTIONS = ['org', 'sources', 'rules', 'endpoints', 'grants'] as const;

function readConfigFile(path: string): Raw {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new EventhookError('EH_CONFIG_INVALID', {
      message: `cannot read ${path}: ${(err as Error).message}`,
    });
  }
  const server = (doc as { server?: unknown } | null)?.server ?? doc;
  if (server === null || server === undefined) return {};
  if (typeof server !== 'object' || Array.isArray(server)) {
    throw new EventhookError('EH_CONFIG_INVALID', { message: `${path}: expected a mapping of settings` });
  }
  const out: Raw = {};
  const byName = new Map<string, ConfigKey>(
    Object.entries(CONFIG_KEYS).map(([key, spec]) => [spec.file, key as ConfigKey]),
  );
  for (const [name, value] of Object.entries(server)) {
    const key = byName.get(name);
    if (!key) {
      // An apply file given to serve: its sections are not settings, and the settings go under `server:`.
      if ((APPLY_SECTIONS as readonly string[]).includes(name))
        throw new EventhookError('EH_CONFIG_INVALID', {
          message:
            `${path}: "${name}" is a section of an apply file (for \`eventhook apply\`), not a setting; ` +
            'a file holding both must put the server settings under `server:`',
        });
      const near = nearestName(name, [...byName.keys()]);
      throw new EventhookError('EH_CONFIG_INVALID', {
        message: `${path}: unknown setting "${name}"${near ? ` (did you mean ${near}?)` : ''}`,
      });
    }
    out[key] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return out;
}

/** The database URL without its credentials, for logs and messages. */
export function databaseLabel(databaseUrl: string): string {
  return databaseUrl.startsWith('sqlite:') ? databaseUrl : databaseUrl.replace(/\/\/[^@/]*@/, '//***@');
}

function normalizeDatabaseUrl(value: string | undefined, dataDir: string, cwd: string): string {
  if (!value) return `sqlite:${resolve(dataDir, 'eventhook.db')}`;
  if (/^postgres(ql)?:\/\//.test(value)) return value;
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    return path === ':memory:' ? 'sqlite::memory:' : `sqlite:${resolve(cwd, path)}`;
  }
  throw configError('EVENTHOOK_DATABASE_URL', 'must start with sqlite: or postgres://');
}

/**
 * A setting's value refused: `detail` says why (`: …` after one `entry` of a list, `[1]`); the setting is kept
 * with it, for a value from the file to be named as the file names it (`named`).
 */
function configError(
  key: ConfigKey,
  detail: string,
  entry?: string,
  named = `${key}${entry ?? ''}`,
): EventhookError {
  return new EventhookError('EH_CONFIG_INVALID', {
    message: `${named}${detail.startsWith(':') ? '' : ' '}${detail}`,
    setting: key,
    ...(entry !== undefined ? { entry } : {}),
    detail,
  });
}

const optional = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);
const str = (v: string): string => v;
/** `a=b,c=d` → a map; every entry must have both sides. */
function pairs(v: string, key: ConfigKey): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of list(v)) {
    const at = entry.indexOf('=');
    const from = entry.slice(0, at).trim();
    const to = entry.slice(at + 1).trim();
    if (at < 0 || from === '' || to === '') throw configError(key, `entry "${entry}" is not <name>=<name>`);
    if (out.has(from)) throw configError(key, `names ${from} twice`);
    out.set(from, to);
  }
  return out;
}
const MASTER_KEY = /^[A-Za-z0-9+/]{43}=$/;

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function int(min: number, max: number) {
  return (v: string, key: ConfigKey): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw configError(key, `must be an integer in ${min}..${max}, got "${v}"`);
    return n;
  };
}

function roleOf(v: string, key: ConfigKey): Role {
  const role = oneOf([...ROLES])(v, key);
  return role === 'ingest' ? 'api' : (role as Role);
}

function oneOf(values: string[]) {
  return (v: string, key: ConfigKey): string => {
    if (!values.includes(v)) throw configError(key, `must be one of ${values.join(', ')}, got "${v}"`);
    return v;
  };
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** "1MiB", "512kb", "1048576". */
export function bytes(v: string, key: ConfigKey = 'EVENTHOOK_BODY_LIMIT'): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(v.trim());
  const unit = m ? BYTE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw configError(key, `must be a size such as 1048576, 512KiB or 1MiB, got "${v}"`);
  return Math.round(Number(m[1]) * unit);
}

/** A size of at least one byte (a body limit of 0 would refuse every request). */
function positiveBytes(v: string, key: ConfigKey): number {
  const n = bytes(v, key);
  if (n < 1) throw configError(key, `must be at least 1 byte, got "${v}"`);
  return n;
}

/** A size from `min` to `max` bytes (`range` names them for the error). */
function boundedBytes(min: number, max: number, range: string) {
  return (v: string, key: ConfigKey): number => {
    const n = bytes(v, key);
    if (n < min || n > max) throw configError(key, `must be from ${range}, got "${v}"`);
    return n;
  };
}

const DAY_MS = 86_400_000;

/** A duration from `min` to `max` ms (`range` names them for the error); with `zeroIsOff`, 0 too. */
function boundedDuration(min: number, max: number, range: string, zeroIsOff = false) {
  return (v: string, key: ConfigKey): number => {
    const ms = duration(v, key);
    if ((ms !== 0 || !zeroIsOff) && (ms < min || ms > max)) {
      // `EVENTHOOK_LEASE=60` meant as a minute is 60 ms: say how a bare number was read.
      const bare = /^\d+(?:\.\d+)?$/.test(v.trim()) && ms !== 0;
      const unitless = bare ? ` (a number without a unit is milliseconds: ${v.trim()}s is seconds)` : '';
      throw configError(
        key,
        `must be from ${range}${zeroIsOff ? ' (or 0, off)' : ''}, got "${v}"${unitless}`,
      );
    }
    return ms;
  };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

/** "250ms", "5s", "7d"; a bare number is milliseconds. */
export function duration(v: string, key: ConfigKey = 'EVENTHOOK_LEASE'): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(v.trim());
  if (!m) throw configError(key, `must be a duration such as 500ms, 30s, 5m, 2h or 7d, got "${v}"`);
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']!);
}
