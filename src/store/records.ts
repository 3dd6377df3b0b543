// Stored records as the rest of the program sees them: camelCase, JSON already decoded, times in epoch ms.
import type { JsonValue } from '../core/envelope.js';
import type { ExactIntegers } from '../core/exact-integers.js';
import type {
  ActionId,
  ApiKeyId,
  AuditEntryId,
  EndpointId,
  EventId,
  GrantId,
  RuleId,
  SourceId,
} from '../core/ids.js';

export type ApiKeyRole = 'admin' | 'member' | 'publisher' | 'worker';

export interface OrgRecord {
  slug: string;
  name: string;
  createdAt: number;
  /** Bumped in the same transaction as any rule change, so every process can tell its compiled rules are stale. */
  rulesVersion: number;
  /** When the org was deleted (DELETE /api/orgs/{org}); its data is being purged. Null: a live org. */
  deletedAt: number | null;
}

export interface ApiKeyRecord {
  id: ApiKeyId;
  org: string;
  name: string;
  role: ApiKeyRole;
  /** The first characters of the key, to recognise it in lists; the key itself is never stored. */
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  /** When the key stops authenticating; null: never. */
  expiresAt: number | null;
}

/** One secret of a source or endpoint. `sealed` is the AES-GCM ciphertext; `expiresAt` is set during rotation grace. */
export interface StoredSecret {
  id: string;
  sealed: string;
  createdAt: number;
  expiresAt: number | null;
}

export interface SourceRecord {
  id: SourceId;
  org: string;
  slug: string;
  name: string;
  description: string;
  provider: string | null;
  /** The verifier configuration without its secret (see SourceSettings for the rest). */
  verifier: JsonValue;
  secrets: StoredSecret[];
  settings: JsonValue;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

export interface RuleRecord {
  id: RuleId;
  org: string;
  name: string;
  description: string;
  enabled: boolean;
  pattern: JsonValue;
  filter: string | null;
  targets: JsonValue[];
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

export type EventStatus = 'pending' | 'routed' | 'unrouted' | 'failed' | 'rejected';

export interface EventRecord {
  id: EventId;
  org: string;
  sourceId: SourceId | null;
  source: string;
  type: string;
  subject: string | null;
  time: number;
  status: EventStatus;
  contentType: string | null;
  headers: Record<string, string> | null;
  data: JsonValue;
  idempotencyKey: string | null;
  correlationId: string | null;
  traceparent: string | null;
  error: string | null;
  hopCount: number;
  /**
   * The type of the source's verifier that accepted a webhook, as it was when the webhook arrived: `none` took it
   * unverified. Null for events that are not webhooks, refused webhooks, and webhooks stored before it was kept.
   */
  verifiedBy: string | null;
  routedAt: number | null;
  /** How many times the event went through routing: 1 after the first pass; each replay adds one. */
  routeSeq: number;
  /** Set by a replay that asked for fresh idempotency keys: the next routing pass makes targets run again. */
  freshKeys: boolean;
  /** The integers of `data` beyond 2^53 that parsing rounded, as they arrived; absent when there are none. */
  exactIntegers?: ExactIntegers;
}

/** A new event to store. Raw bytes are kept for webhooks only. */
export interface NewEvent {
  id: EventId;
  org: string;
  sourceId: SourceId | null;
  source: string;
  type: string;
  subject: string | null;
  time: number;
  status: EventStatus;
  contentType: string | null;
  rawBody: Buffer | null;
  /**
   * The raw body's text when `data` was parsed from exactly these bytes (a JSON webhook). The body is then stored
   * once, as the data, and read back from it.
   */
  bodyText?: string;
  headers: Record<string, string> | null;
  data: JsonValue;
  idempotencyKey: string | null;
  correlationId: string | null;
  traceparent: string | null;
  error: string | null;
  hopCount: number;
  /** See EventRecord.verifiedBy; only ingest sets it. */
  verifiedBy?: string | null;
  /** Integers of `data` beyond 2^53 as they arrived in the event it was built from (see EventRecord); stored as such. */
  exactIntegers?: ExactIntegers;
}

export const ACTION_STATUSES = ['pending', 'in_flight', 'succeeded', 'failed', 'dead'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export interface ActionRecord {
  id: ActionId;
  org: string;
  eventId: EventId;
  ruleId: RuleId;
  ruleName: string;
  targetIndex: number;
  targetType: string;
  /** The target as it was when the event was routed: later rule edits do not change queued actions. */
  target: JsonValue;
  routeSeq: number;
  status: ActionStatus;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: number | null;
  leaseUntil: number | null;
  lastError: string | null;
  result: JsonValue;
  idempotencyKey: string;
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
  /** The endpoint slug of a webhook action (target.endpoint); null for other targets. */
  endpoint: string | null;
  /** The FIFO lane of a webhook action on an ordered endpoint, once the delivery worker has computed it. */
  orderingKey: string | null;
  /**
   * Why a pending or failed action waits without using up an attempt (endpoint paused, circuit open, rate limit,
   * FIFO predecessor…); null when it waits for nothing but its time.
   */
  waiting: string | null;
}

export interface NewAction {
  id: ActionId;
  org: string;
  eventId: EventId;
  ruleId: RuleId;
  ruleName: string;
  targetIndex: number;
  targetType: string;
  target: JsonValue;
  routeSeq: number;
  maxAttempts: number;
  idempotencyKey: string;
  nextAttemptAt: number;
  /** Born dead: when the action can never run (e.g. its rule's filter failed), with the reason. */
  status?: 'dead';
  lastError?: string;
}

/** Webhook actions name their endpoint in the target (stored in a column of its own for indexed lookups). */
export function actionEndpoint(target: JsonValue): string | null {
  const endpoint = (target as { endpoint?: unknown } | null)?.endpoint;
  return typeof endpoint === 'string' ? endpoint : null;
}

export type EndpointStatus = 'active' | 'paused' | 'disabled';

/** A signing secret of an endpoint (sealed). `publicKey` (whpk_…) exists for Ed25519 secrets and may be shown. */
export interface EndpointSecretRecord extends StoredSecret {
  publicKey: string | null;
}

/**
 * An endpoint's credentials: `sealed` is the whole auth object encrypted (null for none); `info` holds the fields
 * that are safe to show (type, username, header name, token URL, client id, scope).
 */
export interface StoredAuth {
  type: string;
  sealed: string | null;
  info: Record<string, string>;
}

/**
 * An outbound webhook destination (SPEC §8). The slug is unique per org among live endpoints and never changes
 * (rules name it). `updatedAt` moves only with configuration and status changes made through the API, so a
 * worker can tell its cached copy is stale; the breaker state is written by workers without touching it.
 */
export interface EndpointRecord {
  id: EndpointId;
  org: string;
  slug: string;
  description: string;
  url: string;
  headers: Record<string, string>;
  auth: StoredAuth | null;
  /**
   * Headers sent with every delivery whose values are credentials: lower-case name → value sealed by the SecretBox.
   * Never returned; a name is never also in `headers`. Empty when there are none.
   */
  secretHeaders: Record<string, string>;
  secrets: EndpointSecretRecord[];
  headerStyle: 'webhook' | 'svix';
  /** null: none was given, so the deployment's default (EVENTHOOK_DELIVERY_TIMEOUT) applies, as it is at delivery. */
  timeoutMs: number | null;
  rateLimit: number | null;
  maxConcurrency: number | null;
  ordering: 'none' | 'fifo';
  orderingKey: string | null;
  /** Retry policy override: delays in ms and an optional attempt budget. */
  retry: { delaysMs?: number[]; maxAttempts?: number } | null;
  status: EndpointStatus;
  /** The circuit breaker's state (delivery/circuit-breaker.ts), null until the first failure. */
  breaker: JsonValue;
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

export interface AttemptRecord {
  id: string;
  actionId: ActionId;
  org: string;
  number: number;
  startedAt: number;
  latencyMs: number;
  outcome: string;
  statusCode: number | null;
  request: JsonValue;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  error: string | null;
  /** The endpoint of a webhook action's attempt (its action's `endpoint`); null for other targets. */
  endpoint: string | null;
}

export type ExecutionStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

/**
 * A grant: org `org` (the receiving org, the only one that may create, change or delete it) lets org `fromOrg`
 * publish events into it through event_bus targets. `eventTypes` null allows every type; otherwise each entry is an
 * exact type or a prefix pattern ending in `.*` (src/grants/grant-match.ts). `org` and `fromOrg` never change;
 * `eventTypes` and `description` do, each change moving `updatedAt`, the version it is saved at.
 */
export interface GrantRecord {
  id: GrantId;
  org: string;
  fromOrg: string;
  eventTypes: string[] | null;
  description: string;
  createdAt: number;
  updatedAt: number;
}

/**
 * Who made a configuration change: a key of the org (its id, name and role at the time), the operator token, or
 * Eventhook itself (an endpoint disabled after failing for days, or answering 410 Gone).
 */
export type Actor =
  | { kind: 'key'; id: string; name: string; role: ApiKeyRole }
  | { kind: 'operator' }
  | { kind: 'system'; reason: string };

export type AuditResource = 'source' | 'rule' | 'endpoint' | 'grant' | 'api_key' | 'org';
export type AuditAction =
  'created' | 'updated' | 'deleted' | 'secret_rotated' | 'enabled' | 'disabled' | 'revoked';

/**
 * One configuration change in an org's audit log (migration 023), written in the transaction of the change itself.
 * `fields` names what a change set (never a value: several fields hold secrets); `version` is the resource's
 * version (its ETag) after the change, null for a deletion or a resource without versions.
 */
export interface AuditEntryRecord {
  id: AuditEntryId;
  org: string;
  at: number;
  resource: AuditResource;
  resourceId: string;
  /** The slug, the rule's name, the key's name, or the granted org: what a person calls it. */
  name: string;
  action: AuditAction;
  fields: string[];
  actor: Actor;
  version: number | null;
}

/**
 * The event that caused an execution started on an external engine: its id, hop count, and the correlation id and
 * traceparent the execution's lifecycle events carry on (absent on causes recorded before migration 020).
 */
export interface ExecutionCauseRecord {
  /** The Eventhook org whose rule started the execution: its causes are its own (migration 028). */
  org: string;
  executionId: string;
  eventId: string;
  hops: number;
  createdAt: number;
  correlationId?: string;
  traceparent?: string;
}

/** An event routed but not yet published to the JetStream event log: one per routing pass of the event. */
export interface OutboxEntry {
  eventId: EventId;
  routeSeq: number;
  org: string;
  createdAt: number;
}

export interface WorkflowRecord {
  id: string;
  org: string;
  kind: string;
  queue: string;
  status: ExecutionStatus;
  input: JsonValue;
  output: JsonValue;
  error: string | null;
  idempotencyKey: string | null;
  metadata: Record<string, string>;
  workerId: string | null;
  leaseUntil: number | null;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
  /** The correlation id of the event that started it (its own, or its id); lifecycle events carry it. */
  correlationId: string | null;
  /** The W3C traceparent of the event that started it; lifecycle events continue that trace. */
  traceparent: string | null;
  /** The integers of `input` beyond 2^53, as they arrived in the event it was built from; absent when none. */
  inputExactIntegers?: ExactIntegers;
}

export interface TaskRecord extends WorkflowRecord {
  maxRetries: number;
  executionCount: number;
}

export type PromiseStatus = 'pending' | 'resolved' | 'rejected';

export interface PromiseRecord {
  id: string;
  org: string;
  key: string | null;
  status: PromiseStatus;
  value: JsonValue;
  error: string | null;
  workflowId: string | null;
  createdAt: number;
  settledAt: number | null;
}
