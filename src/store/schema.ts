// Table shapes as Kysely sees them (snake_case columns). JSON is stored as text and times as epoch-ms integers,
// so SQLite and PostgreSQL hold identical values and one query layer serves both.
import type { Generated } from 'kysely';

/** 0/1 in both databases: SQLite has no boolean type, and one representation keeps the queries identical. */
type Flag = number;

export interface SettingsTable {
  key: string;
  value: string;
}

export interface WorkersTable {
  id: string;
  last_seen: number;
}

export interface OrgsTable {
  slug: string;
  name: string;
  created_at: number;
  rules_version: Generated<number>;
  /** Migration 025: when the org was deleted; its data is being purged. Null: a live org. */
  deleted_at: number | null;
}

export interface ApiKeysTable {
  id: string;
  org: string;
  name: string;
  role: string;
  hash: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  /** Migration 024: when the key stops working; null: never. */
  expires_at: number | null;
}

export interface SourcesTable {
  id: string;
  org: string;
  slug: string;
  name: string;
  description: string;
  provider: string | null;
  verifier: string;
  secrets: string;
  settings: string;
  enabled: Flag;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface RulesTable {
  id: string;
  org: string;
  name: string;
  description: string;
  enabled: Flag;
  pattern: string;
  filter: string | null;
  targets: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface EventsTable {
  id: string;
  org: string;
  source_id: string | null;
  source: string;
  type: string;
  subject: string | null;
  time: number;
  status: string;
  content_type: string | null;
  raw_body: Buffer | null;
  /** 1 when the raw body is the text of `data` (a JSON webhook stored once); raw_body is then null. */
  raw_in_data: number;
  headers: string | null;
  data: string;
  idempotency_key: string | null;
  correlation_id: string | null;
  traceparent: string | null;
  error: string | null;
  hop_count: number;
  /** The verifier type that accepted a webhook (migration 030); null for other events and older webhooks. */
  verified_by: string | null;
  routed_at: number | null;
  route_seq: Generated<number>;
  fresh_keys: Generated<number>;
}

export interface IdempotencyKeysTable {
  source_id: string;
  key: string;
  event_id: string;
  expires_at: number;
}

export interface ActionsTable {
  id: string;
  org: string;
  event_id: string;
  rule_id: string;
  rule_name: string;
  target_index: number;
  target_type: string;
  target: string;
  route_seq: number;
  status: string;
  attempts: Generated<number>;
  max_attempts: number;
  next_attempt_at: number | null;
  lease_until: number | null;
  last_error: string | null;
  result: string | null;
  idempotency_key: string;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  /** target.endpoint of webhook actions (migration 003); null for other targets. */
  endpoint: Generated<string | null>;
  ordering_key: Generated<string | null>;
  waiting: Generated<string | null>;
  /** The worker holding an in-flight action's lease (migration 019); null before its first claim. */
  leased_by: Generated<string | null>;
}

export interface AttemptsTable {
  id: string;
  action_id: string;
  org: string;
  number: number;
  started_at: number;
  latency_ms: number;
  outcome: string;
  status_code: number | null;
  request: string;
  response_headers: string | null;
  response_body: string | null;
  error: string | null;
  endpoint: string | null;
}

export interface EndpointsTable {
  id: string;
  org: string;
  slug: string;
  description: string;
  url: string;
  headers: string;
  auth: string | null;
  /** JSON name → sealed value; null when there are none (and for endpoints made before migration 027). */
  secret_headers: string | null;
  secrets: string;
  header_style: string;
  /** The endpoint's own timeout; with timeout_default 1, the built-in default kept for older versions to read. */
  timeout_ms: number;
  /** 1: the deployment's EVENTHOOK_DELIVERY_TIMEOUT applies, at each delivery (migration 029). */
  timeout_default: number;
  rate_limit: number | null;
  max_concurrency: number | null;
  ordering: string;
  ordering_key: string | null;
  retry: string | null;
  status: string;
  breaker: string | null;
  disabled_reason: string | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface ExecutionsTable {
  id: string;
  org: string;
  kind: string;
  queue: string;
  status: string;
  input: string;
  output: string | null;
  error: string | null;
  idempotency_key: string | null;
  metadata: string;
  worker_id: string | null;
  lease_until: number | null;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  /** Migration 017: the causing event's correlation id and traceparent. */
  correlation_id: string | null;
  traceparent: string | null;
  /**
   * Migration 026: the API key that claimed it (its id, or `operator`), the only one its worker calls are taken from
   * while it runs; null when it runs under no claim, or under one made before the migration.
   */
  claimed_by: Generated<string | null>;
}

/** Migration 018: how many times a workflow's lease expired, which the lease sweep bounds. */
export interface WorkflowsTable extends ExecutionsTable {
  lease_expiries: Generated<number>;
}

export interface TasksTable extends ExecutionsTable {
  max_retries: number;
  execution_count: Generated<number>;
}

export interface PromisesTable {
  id: string;
  org: string;
  key: string | null;
  status: string;
  value: string | null;
  error: string | null;
  workflow_id: string | null;
  created_at: number;
  settled_at: number | null;
}

export interface ExecutionCausesTable {
  /** Migration 028: the key is (org, execution_id). */
  org: string;
  execution_id: string;
  event_id: string;
  hops: number;
  created_at: number;
  /** Migration 020; null on causes recorded before it. */
  correlation_id: string | null;
  traceparent: string | null;
}

export interface JetstreamOutboxTable {
  created_at: number;
  event_id: string;
  route_seq: number;
  org: string;
}

/** Migration 015: which orgs may publish into an org through event_bus targets (updated_at: migration 022). */
export interface EventBusGrantsTable {
  id: string;
  org: string;
  from_org: string;
  /** JSON array of type names and `prefix.*` patterns; null allows every type. */
  event_types: string | null;
  description: string;
  created_at: number;
  /** Migration 022: the version a change is saved at; created_at for a grant never changed. */
  updated_at: number;
}

/** Migration 023: one configuration change (records.ts AuditEntryRecord). */
export interface AuditLogTable {
  id: string;
  org: string;
  at: number;
  resource: string;
  resource_id: string;
  name: string;
  action: string;
  /** JSON array of field names. */
  fields: string;
  actor_kind: string;
  /** key: the key's id; operator and system: null. */
  actor_id: string | null;
  /** key: the key's name; system: why; operator: null. */
  actor_name: string | null;
  actor_role: string | null;
  version: number | null;
}

export interface Database {
  settings: SettingsTable;
  workers: WorkersTable;
  execution_causes: ExecutionCausesTable;
  jetstream_outbox: JetstreamOutboxTable;
  orgs: OrgsTable;
  api_keys: ApiKeysTable;
  sources: SourcesTable;
  rules: RulesTable;
  events: EventsTable;
  idempotency_keys: IdempotencyKeysTable;
  actions: ActionsTable;
  attempts: AttemptsTable;
  endpoints: EndpointsTable;
  workflows: WorkflowsTable;
  tasks: TasksTable;
  promises: PromisesTable;
  event_bus_grants: EventBusGrantsTable;
  audit_log: AuditLogTable;
}
