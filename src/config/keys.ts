// Every configuration key with its default, file name and meaning; docs/configuration.md is checked against it.

/**
 * The roles a process may be given (EVENTHOOK_ROLE, `serve --role`); `ingest` is SPEC §9's name for `api`, the
 * process that takes webhooks. Here, beside the keys, so the command line can offer them without loading the config.
 */
export const ROLES = ['all', 'api', 'ingest', 'worker'] as const;

export const CONFIG_KEYS = {
  PORT: {
    file: 'port',
    default: '8080',
    doc: 'HTTP port. Every role listens on it (a worker for its probes and `/metrics`), so processes sharing a host need a port each.',
  },
  EVENTHOOK_HOST: { file: 'host', default: '0.0.0.0', doc: 'Interface to listen on.' },
  EVENTHOOK_DATA_DIR: {
    file: 'dataDir',
    default: './data',
    doc: 'Folder for the embedded SQLite database and the generated master key. Made readable by its owner only (0700), as are the folders above it Eventhook makes; one that exists keeps its mode.',
  },
  EVENTHOOK_DATABASE_URL: {
    file: 'databaseUrl',
    default: '',
    doc: '`sqlite:<path>` or `postgres://user@host/db`. Default: `sqlite:<dataDir>/eventhook.db`.',
  },
  EVENTHOOK_MIGRATE: {
    file: 'migrate',
    default: 'auto',
    doc: "`auto` migrates the database to this version's schema at start. `off` never changes the schema (for a database user without DDL rights, or migrations as a deploy step of their own, `eventhook migrate`, run with this version) and refuses to start while migrations are missing, naming them, or while a SQLite database file does not exist (it creates none). Either way a process refuses to start on a schema a newer version migrated: run that version or a later one.",
  },
  EVENTHOOK_MIGRATE_LOCK_TIMEOUT: {
    file: 'migrateLockTimeout',
    default: '1m',
    doc: "PostgreSQL: longest a migration waits for a lock another session holds (`lock_timeout` of the migrating session, 100ms–24h); beyond it the migration is rolled back and start (or `eventhook migrate`) fails with `EH_STORE_MIGRATION_LOCKED`, rather than hanging behind, say, a transaction left open in psql. Waiting for another process's migrations to finish is not bounded by it. 0: wait for ever.",
  },
  EVENTHOOK_PG_STATEMENT_TIMEOUT: {
    file: 'pgStatementTimeout',
    default: '30s',
    doc: "PostgreSQL: longest a statement may run before the server cancels it (`statement_timeout`, 100ms–24h); a second later the process stops waiting for an answer and drops the connection, for when the network or the server stalls and the server's cancellation cannot arrive. The request or pass running the statement fails (503 `EH_STORE_TIMEOUT` with `Retry-After`, logged with the statement; workers try again at their next pass, and an action whose target's statement it was waits 5 s without using an attempt). Migrations run without it; retention prunes in batches of 500 rows. 0 turns both off (the server's own setting applies).",
  },
  EVENTHOOK_PG_CONNECT_TIMEOUT: {
    file: 'pgConnectTimeout',
    default: '5s',
    doc: 'PostgreSQL: longest wait to take a connection from the pool (to connect, or for a free one; 100ms–10m); beyond it the request fails instead of hanging while the database cannot be reached (503 `EH_STORE_UNAVAILABLE` with `Retry-After`, as for a refused or lost connection; an action whose target it stopped waits 5 s without using an attempt).',
  },
  EVENTHOOK_READINESS_TIMEOUT: {
    file: 'readinessTimeout',
    default: '2s',
    doc: '`/readyz` answers 503 (`checks.store` = `unreachable: …`) when the store does not answer its check within this long (100ms–60s).',
  },
  EVENTHOOK_METRICS_STORE_TIMEOUT: {
    file: 'metricsStoreTimeout',
    default: '2s',
    doc: "Longest a `/metrics` scrape waits for the store's figures (the backlog gauges, the processes alive; 100ms–60s); beyond it the scrape answers with their last values and the slow read is logged. Keep it below Prometheus's `scrape_timeout` (10s by default), or a slow store costs the whole scrape.",
  },
  EVENTHOOK_ADMIN_TOKEN: {
    file: 'adminToken',
    default: '',
    doc: 'Operator token (creates orgs, acts on any org), at least 12 characters (a shorter one is refused at start). When unset, one is generated on first start, stored hashed and printed once. While it is set it is the only operator token (a generated one is refused until the variable is removed again), so setting it on every process and restarting replaces a generated token that was lost or leaked.',
  },
  EVENTHOOK_PUBLIC_URL: {
    file: 'publicUrl',
    default: '',
    doc: 'Base URL shown in ingest URLs (e.g. `https://hooks.example.com`); one without `http://` or `https://` is refused at start. Default: derived from each request.',
  },
  EVENTHOOK_MASTER_KEY: {
    file: 'masterKey',
    default: '',
    doc: "32-byte base64 key that encrypts secrets at rest (AES-256-GCM). Default: generated and kept in `<dataDir>/master.key`. Every process on one store must have the same key: one whose key does not open the store's secrets refuses to start.",
  },
  EVENTHOOK_MASTER_KEY_PREVIOUS: {
    file: 'masterKeyPrevious',
    default: '',
    doc: 'Comma-separated master keys that open secrets but seal none, while the master key is rotated: set the new key as `EVENTHOOK_MASTER_KEY` and the old one here in every process, run `eventhook rekey`, then remove this (docs/operations.md: Rotating the master key).',
  },
  EVENTHOOK_LOG_LEVEL: {
    file: 'logLevel',
    default: 'info',
    doc: 'fatal, error, warn, info, debug, trace or silent.',
  },
  EVENTHOOK_ROLE: {
    file: 'role',
    default: 'all',
    doc: '`all` (API and workers in one process), `api` (the HTTP API, ingest and console, no workers; `ingest` is the same) or `worker` (routing and delivery; on HTTP only `/healthz`, `/readyz` and `/metrics`). `eventhook serve --role` overrides it.',
  },
  EVENTHOOK_BODY_LIMIT: {
    file: 'bodyLimit',
    default: '1MiB',
    doc: 'Default maximum webhook body size (a source may set its own, up to EVENTHOOK_MAX_BODY_LIMIT), and the largest body of an API request such as POST /events; larger requests get 413 while streaming.',
  },
  EVENTHOOK_MAX_BODY_LIMIT: {
    file: 'maxBodyLimit',
    default: '10MiB',
    doc: 'Largest per-source body limit a source may set.',
  },
  EVENTHOOK_INGEST_BACKLOG: {
    file: 'ingestBacklog',
    default: '64MiB',
    doc: 'Most bytes of webhooks and published events waiting for their commit at once, per process (raw bodies; 1 KiB for an event without one). Beyond it requests get 503 with Retry-After, which senders retry: a store that falls behind sheds load instead of filling memory. One request alone is always taken.',
  },
  EVENTHOOK_REQUEST_TIMEOUT: {
    file: 'requestTimeout',
    default: '30s',
    doc: 'Longest a client may take to send a whole request, headers and body (1s–10m); a slower one gets 408 `EH_REQUEST_TIMEOUT` and its connection is closed, so clients that send a byte now and then (slowloris) cannot hold connections for ever. Answers, and live streams, are not bounded by it. 0 turns it off (for a proxy in front that bounds it).',
  },
  EVENTHOOK_MAX_JSON_DEPTH: {
    file: 'maxJsonDepth',
    default: '64',
    doc: 'Deepest JSON nesting accepted in a webhook body (1–10000).',
  },
  EVENTHOOK_DEDUP_WINDOW: {
    file: 'dedupWindow',
    default: '7d',
    doc: 'How long an idempotency key marks later deliveries as duplicates (1s–90d, as a source’s own `dedupWindowSeconds`).',
  },
  EVENTHOOK_RETENTION_DAYS: {
    file: 'retentionDays',
    default: '30',
    doc: 'Events and attempts older than this are pruned by the worker processes, a minute after each starts and then hourly, and so are the local engine’s workflows, tasks and promises that finished (or settled) longer ago; pending and running ones are kept (0 keeps everything).',
  },
  EVENTHOOK_AUDIT_RETENTION_DAYS: {
    file: 'auditRetentionDays',
    default: '0',
    doc: 'Audit log entries older than this many days are pruned by the worker processes, a minute after each starts and then hourly, whatever `EVENTHOOK_RETENTION_DAYS` is (0 keeps them forever).',
  },
  EVENTHOOK_TRUSTED_PROXIES: {
    file: 'trustedProxies',
    default: '',
    doc: 'Comma-separated CIDRs (or addresses) of proxies whose X-Forwarded-For is believed (IP allow-lists); an entry that is neither is refused at start.',
  },
  EVENTHOOK_OUTBOUND_ALLOW: {
    file: 'outboundAllow',
    default: '',
    doc: 'Comma-separated CIDRs or host names outbound webhooks may reach although private (SSRF allow-list).',
  },
  EVENTHOOK_DELIVERY_TIMEOUT: {
    file: 'deliveryTimeout',
    default: '15s',
    doc: 'Timeout of one outbound webhook attempt (DNS, connect, TLS, answer and body) for endpoints that set no `timeoutMs` (100ms–120s), read at each delivery: a change applies to them after a restart. Endpoints created before 2026-12 stored the default of their creation as their own `timeoutMs` and keep it.',
  },
  EVENTHOOK_RETRY_AFTER_CAP: {
    file: 'retryAfterCap',
    default: '1h',
    doc: 'Longest wait a receiver can ask for with `Retry-After`; longer requests are cut to this (1s–24h).',
  },
  EVENTHOOK_BREAKER_THRESHOLD: {
    file: 'breakerThreshold',
    default: '5',
    doc: "Consecutive failed deliveries that open an endpoint's circuit breaker (1–1000; deliveries then wait for a cool-down of 1 min, doubling up to 1 h).",
  },
  EVENTHOOK_ENDPOINT_DISABLE_AFTER: {
    file: 'endpointDisableAfter',
    default: '5d',
    doc: 'An endpoint failing every delivery for this long is disabled and emits `endpoint.disabled` (1m–365d).',
  },
  EVENTHOOK_BUS: {
    file: 'bus',
    default: 'memory',
    doc: '`memory` (announcements stay in the process; other processes on the same database find new work at their next sweep) or `nats` (announcements also go over NATS, so every process of a deployment hears them at once: routing starts without waiting for a sweep, a source or endpoint changed, a delivery retried or an event replayed in one process is seen by every other at once, and live streams show what other processes did).',
  },
  EVENTHOOK_NATS_URL: {
    file: 'natsUrl',
    default: '',
    doc: 'NATS server of the `nats` bus and of the JetStream event log (e.g. `nats://127.0.0.1:4222`): `nats://` or `tls://` with host and port (a bare `host:port` is taken as `nats://`), comma-separated for several; any other scheme (`http://`, `ws://`) is refused at start.',
  },
  EVENTHOOK_NATS_PREFIX: {
    file: 'natsPrefix',
    default: 'eventhook',
    doc: "Subject prefix of the `nats` bus and of the JetStream event log (`{prefix}.log.…`, stream named after the prefix in upper case, dots as `_`), and queue group of Flovyn's lifecycle events: processes with the same prefix form one deployment (each event goes to one of them); another deployment on the same NATS needs another prefix, one whose stream name is free (`a.b` and `a_b` name the same stream, which the second refuses to take over).",
  },
  EVENTHOOK_JETSTREAM: {
    file: 'jetstream',
    default: 'off',
    doc: '`on` publishes every routed event, as its envelope, to a durable JetStream stream on `EVENTHOOK_NATS_URL` (`{prefix}.log.events.{org}.{type}`; dead deliveries also on `{prefix}.log.dlq.{org}.{endpoint}`, dead engine and event_bus actions on `{prefix}.log.dlq.{org}._action.{targetType}`), kept for `EVENTHOOK_RETENTION_DAYS`, for other systems to consume and replay by time or sequence. Published from an outbox in the store, so an outage delays events but loses none. See docs/jetstream.md.',
  },
  EVENTHOOK_JETSTREAM_INTAKE: {
    file: 'jetstreamIntake',
    default: 'off',
    doc: "`on` takes events applications publish to `{prefix}.in.{org}` on `EVENTHOOK_NATS_URL` (the body as one event of `POST /events`) from a durable JetStream work queue shared by the deployment's API processes: each message is acknowledged once its event is committed, comes back if a process fails first, and waits while Eventhook is down; one that can never be an event is kept on `{prefix}.log.rejected.{org}` with the reason, in the event log's stream, which the intake makes (bounded to 64 MiB and `EVENTHOOK_RETENTION_DAYS`) when the log is off. See docs/jetstream.md.",
  },
  EVENTHOOK_JETSTREAM_ACK_WAIT: {
    file: 'jetstreamAckWait',
    default: '30s',
    doc: 'How long a message the JetStream intake took may go unacknowledged (its process died, or is stuck) before it is given to another process (1s–1h).',
  },
  EVENTHOOK_JETSTREAM_REPLICAS: {
    file: 'jetstreamReplicas',
    default: '1',
    doc: "Replicas of the JetStream event log's stream (1–5; more than 1 needs a NATS cluster).",
  },
  EVENTHOOK_ENGINE: {
    file: 'engine',
    default: 'local',
    doc: "`local` (workflows, tasks and promises kept in Eventhook's own store, claimed by workers over `/engine`) or `flovyn` (calls a Flovyn server's REST API; see docs/flovyn.md).",
  },
  EVENTHOOK_FLOVYN_URL: {
    file: 'flovynUrl',
    default: '',
    doc: 'Base URL of the Flovyn server (e.g. `http://localhost:8000`); required with `EVENTHOOK_ENGINE=flovyn`. Whitespace around it (the line break a secret file ends with) is dropped; one that is no http(s) URL is refused at start.',
  },
  EVENTHOOK_FLOVYN_TOKEN: {
    file: 'flovynToken',
    default: '',
    doc: 'Bearer token for the Flovyn REST API (e.g. a `flovyn_sk_…` key); required with `EVENTHOOK_ENGINE=flovyn`, unless `EVENTHOOK_FLOVYN_TOKEN_FILE` is set. Whitespace around it (the line break a secret file ends with) is dropped. Never logged.',
  },
  EVENTHOOK_FLOVYN_TOKEN_FILE: {
    file: 'flovynTokenFile',
    default: '',
    doc: 'A file holding the Flovyn token (a mounted Kubernetes secret), instead of `EVENTHOOK_FLOVYN_TOKEN` (setting both is refused at start, as is a file that cannot be read, is empty or holds more than one line). Read at start, and again when Flovyn answers 401 (at most once every 5 s): a call refused with the old token is sent once more with the new one, so a rotated secret is taken without a restart.',
  },
  EVENTHOOK_FLOVYN_TIMEOUT: {
    file: 'flovynTimeout',
    default: '10s',
    doc: 'Timeout of one call to the Flovyn REST API (100ms–120s); a call that takes longer fails its attempt and is retried.',
  },
  EVENTHOOK_FLOVYN_ORGS: {
    file: 'flovynOrgs',
    default: '',
    doc: 'Comma-separated `<eventhook org>=<flovyn org slug>` pairs; an org not listed calls the Flovyn org of the same slug.',
  },
  EVENTHOOK_FLOVYN_NATS_URL: {
    file: 'flovynNatsUrl',
    default: '',
    doc: "NATS server carrying Flovyn's lifecycle events (`flovyn.events.{org id}.{type}`; written as `EVENTHOOK_NATS_URL`); with `EVENTHOOK_FLOVYN_EVENT_ORGS` they become events rules can match.",
  },
  EVENTHOOK_FLOVYN_EVENTS_DURABLE: {
    file: 'flovynEventsDurable',
    default: 'off',
    doc: "`on` takes Flovyn's lifecycle events from a JetStream stream (`FLOVYN_EVENTS`, made on `EVENTHOOK_FLOVYN_NATS_URL` if missing, keeping `flovyn.events.>` for a week) through a durable consumer per deployment, so events Flovyn publishes while Eventhook is down are taken when it is back. Needs JetStream on that NATS server.",
  },
  EVENTHOOK_FLOVYN_EVENT_ORGS: {
    file: 'flovynEventOrgs',
    default: '',
    doc: 'Comma-separated `<flovyn org id>=<eventhook org>` pairs: whose lifecycle events are consumed, and into which org each goes.',
  },
  EVENTHOOK_ROUTER_BATCH: {
    file: 'routerBatch',
    default: '100',
    doc: 'Events the router takes per pass (1–10000).',
  },
  EVENTHOOK_ACTION_MAX_ATTEMPTS: {
    file: 'actionMaxAttempts',
    default: '20',
    doc: 'Attempts of an engine action (workflow, task, promise) before it is dead (1–100), unless its target sets retry.maxAttempts. The waits between them start at 1 s and double up to 10 min (±10 %), so 20 attempts ride out an engine outage of about 1 h 45 min.',
  },
  EVENTHOOK_ACTION_CONCURRENCY: {
    file: 'actionConcurrency',
    default: '32',
    doc: 'Actions executed at once by one worker process (1–10000).',
  },
  EVENTHOOK_SWEEP_INTERVAL: {
    file: 'sweepInterval',
    default: '2s',
    doc: 'How often workers look for committed work the bus did not announce (after a crash, or from other processes), and send the heartbeat by which workers on one database divide routing and endpoint limits (10ms–1h).',
  },
  EVENTHOOK_LEASE: {
    file: 'lease',
    default: '60s',
    doc: 'How long a claimed action belongs to a worker before another may take it over (1s–24h). A worker that was killed or crashed loses its leases sooner: once its heartbeats (every sweep interval) have stopped for five intervals, at least 10 s, the workers still alive (or the restarted process) take its actions over.',
  },
  EVENTHOOK_SANDBOX_CPU_MS: {
    file: 'sandboxCpuMs',
    default: '50',
    doc: 'Time limit of one JavaScript filter or transform call, in milliseconds (1–60000): the wall time of the call, which runs on one thread, so a loaded machine gives a script less CPU, never more.',
  },
  EVENTHOOK_SANDBOX_MEMORY: {
    file: 'sandboxMemory',
    default: '32MiB',
    doc: 'Memory limit of one JavaScript sandbox (1MiB–1GiB).',
  },
} as const;

export type ConfigKey = keyof typeof CONFIG_KEYS;
