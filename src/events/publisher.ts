// The single event publisher (milestone 0): every event — webhook, published, lifecycle — is committed to the
// store first and only then announced on the bus, so a crash between the two loses nothing (the sweeper routes
// whatever is committed but unannounced).
import type { Bus } from '../bus/port.js';
import { SUBJECTS } from '../bus/port.js';
import type { Envelope, JsonValue } from '../core/envelope.js';
import type { ExactIntegers } from '../core/exact-integers.js';
import { newId } from '../core/ids.js';
import type { StoreRepos } from '../store/port.js';
import type { EventRecord, NewEvent } from '../store/records.js';

/** What the doorbell carries: enough for live subscribers to filter, never the payload (readers re-read the store). */
export interface EventAnnouncement {
  id: string;
  org: string;
  source: string;
  type: string;
}

export class EventPublisher {
  constructor(private readonly bus: Bus) {}

  /** Rings the doorbell for events already committed. */
  async announce(events: readonly EventAnnouncement[]): Promise<void> {
    for (const e of events) {
      await this.bus.publish<EventAnnouncement>(SUBJECTS.eventCommitted(e.org, e.id), {
        id: e.id,
        org: e.org,
        source: e.source,
        type: e.type,
      });
    }
  }
}

/** What an event made because of `cause` carries: its correlation id and trace, and one hop more. */
export function causedBy(cause: EventRecord): {
  correlationId: string;
  traceparent: string | null;
  hopCount: number;
} {
  return {
    correlationId: cause.correlationId ?? cause.id,
    traceparent: cause.traceparent,
    hopCount: cause.hopCount + 1,
  };
}

/** A new non-webhook event (published by an app, or a lifecycle event), ready to insert. */
export function newSystemEvent(opts: {
  org: string;
  source: string;
  type: string;
  data: JsonValue;
  subject?: string | null;
  now: number;
  correlationId?: string | null;
  traceparent?: string | null;
  hopCount?: number;
  exactIntegers?: ExactIntegers;
}): NewEvent {
  return {
    id: newId('event', opts.now),
    org: opts.org,
    sourceId: null,
    source: opts.source,
    type: opts.type,
    subject: opts.subject ?? null,
    time: opts.now,
    status: 'pending',
    contentType: 'application/json',
    rawBody: null,
    headers: null,
    data: opts.data,
    idempotencyKey: null,
    correlationId: opts.correlationId ?? null,
    traceparent: opts.traceparent ?? null,
    error: null,
    hopCount: opts.hopCount ?? 0,
    ...(opts.exactIntegers ? { exactIntegers: opts.exactIntegers } : {}),
  };
}

/** Inserts events inside the caller's transaction; announce them after the commit. */
export async function stageEvents(tx: StoreRepos, events: readonly NewEvent[]): Promise<void> {
  for (const e of events) await tx.events.insert(e);
}

/** What an envelope is made of: a stored event, or one about to be stored. */
type EnvelopeFields = Pick<
  EventRecord,
  | 'id'
  | 'org'
  | 'source'
  | 'type'
  | 'subject'
  | 'time'
  | 'contentType'
  | 'data'
  | 'headers'
  | 'correlationId'
  | 'traceparent'
>;

/** The envelope rules and transforms see for a stored event (SPEC §2). */
export function toEnvelope(e: EnvelopeFields): Envelope {
  return {
    specversion: '1.0',
    id: e.id,
    org: e.org,
    source: e.source,
    type: e.type,
    ...(e.subject !== null ? { subject: e.subject } : {}),
    time: new Date(e.time).toISOString(),
    ...(e.contentType !== null ? { datacontenttype: e.contentType } : {}),
    data: e.data,
    ...(e.headers !== null ? { headers: e.headers } : {}),
    ...(e.correlationId !== null ? { correlationid: e.correlationId } : {}),
    ...(e.traceparent !== null ? { traceparent: e.traceparent } : {}),
  };
}
