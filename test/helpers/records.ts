// Records as the store keeps them, for tests that write to a store directly: an endpoint with nothing sealed (so a
// LiveEndpoints can open it), a webhook or other action that is due, a pending application event, a rule, and a
// pending workflow or task of the local engine.
import { newId, type EventId, type RuleId } from '../../src/core/ids.js';
import type {
  EndpointRecord,
  NewAction,
  NewEvent,
  RuleRecord,
  TaskRecord,
  WorkflowRecord,
} from '../../src/store/records.js';

/** A pending application event of `org` received at `at` (its id carries that time unless `over` gives one). */
export function pendingEvent(org: string, at: number, over: Partial<NewEvent> = {}): NewEvent {
  return {
    id: newId('event', at),
    org,
    sourceId: null,
    source: 'app:test',
    type: 'thing.happened',
    subject: null,
    time: at,
    status: 'pending',
    contentType: 'application/json',
    rawBody: null,
    headers: null,
    data: {},
    idempotencyKey: null,
    correlationId: null,
    traceparent: null,
    error: null,
    hopCount: 0,
    ...over,
  };
}

/** An enabled rule of `org` saved at `at`: `x` events to a task of kind `k`, unless `over` says otherwise. */
export function ruleRecord(
  org: string,
  name: string,
  at: number,
  over: Partial<RuleRecord> = {},
): RuleRecord {
  return {
    id: newId('rule'),
    org,
    name,
    description: '',
    enabled: true,
    pattern: { type: ['x'] },
    filter: null,
    targets: [{ type: 'task', kind: 'k' }],
    createdAt: at,
    updatedAt: at,
    deletedAt: null,
    ...over,
  };
}

export function endpointRecord(
  org: string,
  slug: string,
  at: number,
  over: Partial<EndpointRecord> = {},
): EndpointRecord {
  return {
    id: newId('endpoint'),
    org,
    slug,
    description: '',
    url: `https://example.com/${slug}`,
    headers: {},
    auth: null,
    secretHeaders: {},
    secrets: [],
    headerStyle: 'webhook',
    timeoutMs: 15000,
    rateLimit: null,
    maxConcurrency: null,
    ordering: 'none',
    orderingKey: null,
    retry: null,
    status: 'active',
    breaker: null,
    disabledReason: null,
    createdAt: at,
    updatedAt: at,
    deletedAt: null,
    ...over,
  };
}

export function newAction(
  org: string,
  target: Record<string, unknown>,
  over: Partial<NewAction> = {},
): NewAction {
  return {
    id: newId('action'),
    org,
    eventId: newId('event') as EventId,
    ruleId: newId('rule') as RuleId,
    ruleName: 'r',
    targetIndex: 0,
    targetType: String(target.type),
    target: target as NewAction['target'],
    routeSeq: 1,
    maxAttempts: 8,
    idempotencyKey: `k-${Math.random()}`,
    nextAttemptAt: 0,
    ...over,
  };
}

/** A pending workflow of `org` created at `at`, of kind `k` in the default queue, keyed by its id. */
export function pendingWorkflow(
  org: string,
  id: string,
  at: number,
  over: Partial<WorkflowRecord> = {},
): WorkflowRecord {
  return {
    id,
    org,
    kind: 'k',
    queue: 'default',
    status: 'pending',
    input: null,
    output: null,
    error: null,
    idempotencyKey: id,
    metadata: {},
    workerId: null,
    leaseUntil: null,
    createdAt: at,
    startedAt: null,
    completedAt: null,
    correlationId: null,
    traceparent: null,
    ...over,
  };
}

/** A pending task, as pendingWorkflow, never run, with no retries unless `over` gives some. */
export function pendingTask(org: string, id: string, at: number, over: Partial<TaskRecord> = {}): TaskRecord {
  return { ...pendingWorkflow(org, id, at), maxRetries: 0, executionCount: 0, ...over };
}
