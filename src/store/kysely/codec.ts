// Row ↔ record conversion: JSON text, 0/1 flags and null handling live here and nowhere else.
import type { Selectable } from 'kysely';
import type { JsonValue } from '../../core/envelope.js';
import { exactIntegersIn } from '../../core/exact-integers.js';
import type { ActionId, ApiKeyId, EndpointId, EventId, RuleId, SourceId } from '../../core/ids.js';
import type {
  ActionRecord,
  ActionStatus,
  ApiKeyRecord,
  ApiKeyRole,
  AttemptRecord,
  EndpointRecord,
  EndpointStatus,
  EventRecord,
  EventStatus,
  ExecutionStatus,
  OrgRecord,
  PromiseRecord,
  PromiseStatus,
  RuleRecord,
  SourceRecord,
  TaskRecord,
  WorkflowRecord,
} from '../records.js';
import type { Database, ExecutionsTable } from '../schema.js';

type Row<T extends keyof Database> = Selectable<Database[T]>;

export const toJson = (value: unknown): string => JSON.stringify(value ?? null);
export const fromJson = <T = JsonValue>(text: string | null): T =>
  (text === null ? null : JSON.parse(text)) as T;
export const flag = (b: boolean): number => (b ? 1 : 0);

export function orgFromRow(r: Row<'orgs'>): OrgRecord {
  return {
    slug: r.slug,
    name: r.name,
    createdAt: Number(r.created_at),
    rulesVersion: Number(r.rules_version),
    deletedAt: r.deleted_at === null ? null : Number(r.deleted_at),
  };
}

export function apiKeyFromRow(r: Row<'api_keys'>): ApiKeyRecord {
  return {
    id: r.id as ApiKeyId,
    org: r.org,
    name: r.name,
    role: r.role as ApiKeyRole,
    prefix: r.prefix,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  };
}

export function sourceFromRow(r: Row<'sources'>): SourceRecord {
  return {
    id: r.id as SourceId,
    org: r.org,
    slug: r.slug,
    name: r.name,
    description: r.description,
    provider: r.provider,
    verifier: fromJson(r.verifier),
    secrets: fromJson(r.secrets),
    settings: fromJson(r.settings),
    enabled: r.enabled === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deletedAt: r.deleted_at,
  };
}

export function sourceToRow(s: SourceRecord): Row<'sources'> {
  return {
    id: s.id,
    org: s.org,
    slug: s.slug,
    name: s.name,
    description: s.description,
    provider: s.provider,
    verifier: toJson(s.verifier),
    secrets: toJson(s.secrets),
    settings: toJson(s.settings),
    enabled: flag(s.enabled),
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    deleted_at: s.deletedAt,
  };
}

export function ruleFromRow(r: Row<'rules'>): RuleRecord {
  return {
    id: r.id as RuleId,
    org: r.org,
    name: r.name,
    description: r.description,
    enabled: r.enabled === 1,
    pattern: fromJson(r.pattern),
    filter: r.filter,
    targets: fromJson(r.targets),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deletedAt: r.deleted_at,
  };
}

export function ruleToRow(r: RuleRecord): Row<'rules'> {
  return {
    id: r.id,
    org: r.org,
    name: r.name,
    description: r.description,
    enabled: flag(r.enabled),
    pattern: toJson(r.pattern),
    filter: r.filter,
    targets: toJson(r.targets),
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    deleted_at: r.deletedAt,
  };
}

/** Event columns without the raw body, which only GET /events/{id}/raw reads. */
export const EVENT_COLUMNS = [
  'id',
  'org',
  'source_id',
  'source',
  'type',
  'subject',
  'time',
  'status',
  'content_type',
  'headers',
  'data',
  'idempotency_key',
  'correlation_id',
  'traceparent',
  'error',
  'hop_count',
  'verified_by',
  'routed_at',
  'route_seq',
  'fresh_keys',
] as const;

export function eventFromRow(r: Omit<Row<'events'>, 'raw_body' | 'raw_in_data'>): EventRecord {
  const exactIntegers = exactIntegersIn(r.data);
  return {
    id: r.id as EventId,
    org: r.org,
    sourceId: r.source_id as SourceId | null,
    source: r.source,
    type: r.type,
    subject: r.subject,
    time: r.time,
    status: r.status as EventStatus,
    contentType: r.content_type,
    headers: fromJson(r.headers),
    data: fromJson(r.data),
    idempotencyKey: r.idempotency_key,
    correlationId: r.correlation_id,
    traceparent: r.traceparent,
    error: r.error,
    hopCount: r.hop_count,
    verifiedBy: r.verified_by,
    routedAt: r.routed_at,
    routeSeq: r.route_seq,
    freshKeys: r.fresh_keys === 1,
    ...(exactIntegers ? { exactIntegers } : {}),
  };
}

export function actionFromRow(r: Row<'actions'>): ActionRecord {
  return {
    id: r.id as ActionId,
    org: r.org,
    eventId: r.event_id as EventId,
    ruleId: r.rule_id as RuleId,
    ruleName: r.rule_name,
    targetIndex: r.target_index,
    targetType: r.target_type,
    target: fromJson(r.target),
    routeSeq: r.route_seq,
    status: r.status as ActionStatus,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    nextAttemptAt: r.next_attempt_at,
    leaseUntil: r.lease_until,
    lastError: r.last_error,
    result: fromJson(r.result),
    idempotencyKey: r.idempotency_key,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    completedAt: r.completed_at,
    endpoint: r.endpoint,
    orderingKey: r.ordering_key,
    waiting: r.waiting,
  };
}

/**
 * What timeout_ms holds for an endpoint that follows the deployment's default (timeout_default 1): the built-in
 * default, so a process of a version before migration 029, which knows no flag, still reads a timeout that works.
 */
const TIMEOUT_FOR_OLDER_VERSIONS_MS = 15_000;

export function endpointFromRow(r: Row<'endpoints'>): EndpointRecord {
  return {
    id: r.id as EndpointId,
    org: r.org,
    slug: r.slug,
    description: r.description,
    url: r.url,
    headers: fromJson(r.headers),
    auth: fromJson(r.auth),
    secretHeaders: r.secret_headers === null ? {} : fromJson(r.secret_headers),
    secrets: fromJson(r.secrets),
    headerStyle: r.header_style === 'svix' ? 'svix' : 'webhook',
    timeoutMs: r.timeout_default === 1 ? null : r.timeout_ms,
    rateLimit: r.rate_limit === null ? null : Number(r.rate_limit),
    maxConcurrency: r.max_concurrency,
    ordering: r.ordering === 'fifo' ? 'fifo' : 'none',
    orderingKey: r.ordering_key,
    retry: fromJson(r.retry),
    status: r.status as EndpointStatus,
    breaker: fromJson(r.breaker),
    disabledReason: r.disabled_reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deletedAt: r.deleted_at,
  };
}

export function endpointToRow(e: EndpointRecord): Row<'endpoints'> {
  return {
    id: e.id,
    org: e.org,
    slug: e.slug,
    description: e.description,
    url: e.url,
    headers: toJson(e.headers),
    auth: e.auth === null ? null : toJson(e.auth),
    secret_headers: Object.keys(e.secretHeaders).length === 0 ? null : toJson(e.secretHeaders),
    secrets: toJson(e.secrets),
    header_style: e.headerStyle,
    timeout_ms: e.timeoutMs ?? TIMEOUT_FOR_OLDER_VERSIONS_MS,
    timeout_default: e.timeoutMs === null ? 1 : 0,
    rate_limit: e.rateLimit,
    max_concurrency: e.maxConcurrency,
    ordering: e.ordering,
    ordering_key: e.orderingKey,
    retry: e.retry === null ? null : toJson(e.retry),
    status: e.status,
    breaker: e.breaker === null ? null : toJson(e.breaker),
    disabled_reason: e.disabledReason,
    created_at: e.createdAt,
    updated_at: e.updatedAt,
    deleted_at: e.deletedAt,
  };
}

export function attemptFromRow(r: Row<'attempts'>): AttemptRecord {
  return {
    id: r.id,
    actionId: r.action_id as ActionId,
    org: r.org,
    number: r.number,
    startedAt: r.started_at,
    latencyMs: r.latency_ms,
    outcome: r.outcome,
    statusCode: r.status_code,
    request: fromJson(r.request),
    responseHeaders: fromJson(r.response_headers),
    responseBody: r.response_body,
    error: r.error,
    endpoint: r.endpoint,
  };
}

/** A workflow, or the workflow part of a task: the columns both tables have. */
export function workflowFromRow(r: Selectable<ExecutionsTable>): WorkflowRecord {
  const inputExactIntegers = exactIntegersIn(r.input);
  return {
    id: r.id,
    org: r.org,
    kind: r.kind,
    queue: r.queue,
    status: r.status as ExecutionStatus,
    input: fromJson(r.input),
    output: fromJson(r.output),
    error: r.error,
    idempotencyKey: r.idempotency_key,
    metadata: fromJson(r.metadata),
    workerId: r.worker_id,
    leaseUntil: r.lease_until,
    createdAt: r.created_at,
    startedAt: r.started_at,
    completedAt: r.completed_at,
    correlationId: r.correlation_id,
    traceparent: r.traceparent,
    ...(inputExactIntegers ? { inputExactIntegers } : {}),
  };
}

export function taskFromRow(r: Row<'tasks'>): TaskRecord {
  return { ...workflowFromRow(r), maxRetries: r.max_retries, executionCount: r.execution_count };
}

/** Record fields → columns for executions (only the fields present are written). */
export function executionPatchToRow(p: Partial<TaskRecord>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const map: Record<string, [string, (v: unknown) => unknown]> = {
    status: ['status', (v) => v],
    output: ['output', toJson],
    error: ['error', (v) => v],
    workerId: ['worker_id', (v) => v],
    leaseUntil: ['lease_until', (v) => v],
    startedAt: ['started_at', (v) => v],
    completedAt: ['completed_at', (v) => v],
    executionCount: ['execution_count', (v) => v],
  };
  for (const [key, value] of Object.entries(p)) {
    const m = map[key];
    if (m && value !== undefined) out[m[0]] = m[1](value);
  }
  return out;
}

export function promiseFromRow(r: Row<'promises'>): PromiseRecord {
  return {
    id: r.id,
    org: r.org,
    key: r.key,
    status: r.status as PromiseStatus,
    value: fromJson(r.value),
    error: r.error,
    workflowId: r.workflow_id,
    createdAt: r.created_at,
    settledAt: r.settled_at,
  };
}
