// Flovyn's lifecycle events (reference/flovyn.md §2) as Eventhook events. Flovyn has published two shapes on
// `flovyn.events.{org id}.{event type}`: the built M0 `FlovynEvent` (snake_case: id, org_id, event_type, data,
// timestamp_ms, correlation_id, workflow_execution_id, task_execution_id) and a camelCase superset (type, orgId,
// timestamp, subject, workflowExecutionId …); state payloads name the event `event` (`TASK_CREATED`). All map to the
// same envelope, with the sources and types the local engine uses, so a rule on `workflow.completed` from
// `system:workflows` works whichever engine runs the workflow. The event's time is when Eventhook received it, as
// for every other event (listing, `since` and retention read it).
import { createHash, randomBytes } from 'node:crypto';
import type { JsonValue } from '../../../core/envelope.js';
import { SYSTEM_SOURCES } from '../../../core/envelope.js';
import { newSystemEvent } from '../../../events/publisher.js';
import type { NewEvent } from '../../../store/records.js';
import { META_EVENT, META_HOPS } from '../../port.js';
import type { ExecutionCause } from './execution-causes.js';

export const SUBJECT_PREFIX = 'flovyn.events';

export type MappedLifecycleEvent =
  | {
      event: NewEvent;
      /**
       * Flovyn's own event id, or for a payload without one that carries its time (a state payload), a digest of the
       * message; for one with neither, taken from the durable stream, a digest of the message and its stream
       * sequence: a second delivery of it within the dedup window is the first event.
       */
      flovynId: string | null;
    }
  | { skip: string };

/** `CHILD_WORKFLOW_STARTED` → `child_workflow.started`: the entity is the longest known prefix. */
const ENTITIES = [
  'CHILD_WORKFLOW',
  'WORKFLOW',
  'TASK',
  'TIMER',
  'PROMISE',
  'OPERATION',
  'CANCELLATION',
  'STATE',
  'RETRY',
  'SIGNAL',
];

const SOURCE_OF: Record<string, string> = {
  workflow: SYSTEM_SOURCES.workflows,
  child_workflow: SYSTEM_SOURCES.workflows,
  task: SYSTEM_SOURCES.tasks,
  promise: SYSTEM_SOURCES.promises,
};
/** Lifecycle events of other entities (timers, state, signals …). */
export const FLOVYN_SOURCE = 'system:flovyn';

/** A lifecycle message read as far as its cause can be looked up: its Eventhook org, payload and execution. */
export interface LifecycleMessage {
  org: string;
  /** The type as the subject names it (`workflow.completed`), for payloads that carry none. */
  subjectType: string;
  payload: Record<string, unknown>;
  /** The execution it is about, if it names one. */
  execution: string | undefined;
  /** Its sequence in the durable stream (FLOVYN_EVENTS), the same on every redelivery; none from core NATS. */
  streamSeq?: number;
}

/** Reads a message of `flovyn.events.{org id}.{type}`, or says why it is no event of a mapped org. */
export function readLifecycle(
  subject: string,
  payload: string,
  eventOrgs: ReadonlyMap<string, string>,
  streamSeq?: number,
): LifecycleMessage | { skip: string } {
  const tokens = subject.split('.');
  const flovynOrg = tokens[2];
  if (`${tokens[0]}.${tokens[1]}` !== SUBJECT_PREFIX || flovynOrg === undefined || tokens.length < 4)
    return { skip: `subject ${subject} is not ${SUBJECT_PREFIX}.{org}.{type}` };
  const org = eventOrgs.get(flovynOrg);
  if (org === undefined) return { skip: `Flovyn org ${flovynOrg} is not mapped to an Eventhook org` };
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return { skip: 'the payload is not JSON' };
  }
  if (!isObject(body)) return { skip: 'the payload is not a JSON object' };
  return {
    org,
    subjectType: tokens.slice(3).join('.'),
    payload: body,
    execution: executionOf(body),
    ...(streamSeq !== undefined ? { streamSeq } : {}),
  };
}

/**
 * The event of a message read; `cause` is the event that started its execution, when a rule did: its correlation id
 * and traceparent go before Flovyn's, and its hop count after the one in Flovyn's metadata (if it sends any).
 */
export function lifecycleEvent(
  message: LifecycleMessage,
  now: number,
  cause?: ExecutionCause,
): MappedLifecycleEvent {
  const p = message.payload;
  const id = text(p.id);
  if (id !== undefined && id.length > 256) return { skip: 'the event id is longer than 256 characters' };
  const rawType =
    text(p.event_type) ??
    text(p.eventType) ??
    (p.type !== 'Event' ? text(p.type) : undefined) ??
    text(p.event) ??
    message.subjectType;
  const type = eventType(rawType);
  if (type.length > 256) return { skip: 'the event type is longer than 256 characters' };

  const data: JsonValue = isObject(p.data) || Array.isArray(p.data) ? (p.data as JsonValue) : {};
  const snapshot = isObject(data) ? data : {};
  const metadata = isObject(snapshot.metadata) ? snapshot.metadata : {};
  const hops = hopsOf(text(metadata[META_HOPS])) ?? cause?.hops ?? 0;
  const event = newSystemEvent({
    org: message.org,
    source: (type.includes('.') ? SOURCE_OF[type.slice(0, type.indexOf('.'))] : undefined) ?? FLOVYN_SOURCE,
    type,
    data,
    subject:
      text(p.subject) ?? message.execution ?? text(snapshot.promiseId) ?? text(snapshot.timerId) ?? null,
    now,
    // The cause's correlation first: Flovyn's own is its view of the execution, which knows nothing of the chain of
    // rules that started it, so taking it would split a chain Eventhook started. Flovyn's is used when there is no
    // cause (started outside Eventhook, perhaps correlated by whoever started it) or the cause predates migration 020.
    correlationId:
      cause?.correlationId ??
      text(p.correlation_id) ??
      text(p.correlationId) ??
      text(metadata[META_EVENT]) ??
      cause?.eventId ??
      null,
    // The cause's traceparent as it came, as the local engine's lifecycle events carry it; Flovyn's trace only where
    // the cause had none.
    traceparent:
      cause?.traceparent ?? text(p.traceparent) ?? traceparentOf(text(p.trace_id) ?? text(p.traceId)) ?? null,
    // An event from an execution a rule started counts one hop more than its cause, so loops stop at the limit.
    hopCount: hops + 1,
  });
  return { event, flovynId: id ?? contentKey(message) ?? null };
}

/**
 * The key of a payload without an event id (a state payload, `{"type": "Event", "event": …, "timestampMs": …}`):
 * the digest of its org, type and content. When it carries its time: two events that are the same to the millisecond
 * are one event delivered twice (a JetStream redelivery, a reconnect).
 *
 * An untimed one is no shape Flovyn documents (its `FlovynEvent` has an id, its state payloads a `timestampMs`), and
 * its content alone does not make it one event: snapshots repeat (a workflow suspended twice is `{id, kind, status:
 * "WAITING"}` both times, a state set twice to one value is `{key, value}` both times), so a digest would drop the
 * second as a copy. Taken from the durable stream, its sequence there is the same on every redelivery and another
 * publish's is not, so the digest with it is the key; from core NATS, which never sends a message twice (Flovyn
 * publishes fire and forget), an identical one is a second event, and it is stored each time.
 */
function contentKey(message: LifecycleMessage): string | undefined {
  const p = message.payload;
  const time = p.timestampMs ?? p.timestamp_ms ?? p.timestamp;
  const timed = typeof time === 'number' || (typeof time === 'string' && time !== '');
  if (!timed && message.streamSeq === undefined) return undefined;
  const digest = createHash('sha256')
    .update(
      JSON.stringify(
        timed
          ? [message.org, message.subjectType, p]
          : [message.org, message.subjectType, p, message.streamSeq],
      ),
    )
    .digest('hex');
  return `sha256:${digest}`;
}

/** Both steps at once, with the causes at hand. */
export function mapLifecycleEvent(
  subject: string,
  payload: string,
  eventOrgs: ReadonlyMap<string, string>,
  now: number,
  causeOf: (executionId: string) => ExecutionCause | undefined = () => undefined,
): MappedLifecycleEvent {
  const message = readLifecycle(subject, payload, eventOrgs);
  if ('skip' in message) return message;
  return lifecycleEvent(
    message,
    now,
    message.execution === undefined ? undefined : causeOf(message.execution),
  );
}

function executionOf(p: Record<string, unknown>): string | undefined {
  return (
    text(p.workflow_execution_id) ??
    text(p.workflowExecutionId) ??
    text(p.task_execution_id) ??
    text(p.taskExecutionId) ??
    (isObject(p.data) ? text(p.data.id) : undefined)
  );
}

/** `WORKFLOW_COMPLETED` → `workflow.completed`; dotted types (`task.created`) pass as they are. */
export function eventType(raw: string): string {
  if (!/^[A-Z][A-Z0-9_]*$/.test(raw)) return raw;
  const entity = ENTITIES.find((e) => raw.startsWith(`${e}_`));
  return entity === undefined
    ? raw.toLowerCase()
    : `${entity.toLowerCase()}.${raw.slice(entity.length + 1).toLowerCase()}`;
}

/** A hop count from metadata: a non-negative whole number, or nothing (a forged one must not undo the limit). */
function hopsOf(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,6}$/.test(value)) return undefined;
  return Number(value);
}

/** Flovyn names a trace by its id alone (`trace_id`): as a W3C traceparent, with a span of this event's own. */
function traceparentOf(traceId: string | undefined): string | undefined {
  if (traceId === undefined || !/^[0-9a-f]{32}$/.test(traceId) || /^0+$/.test(traceId)) return undefined;
  return `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function isObject(v: unknown): v is Record<string, JsonValue> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
