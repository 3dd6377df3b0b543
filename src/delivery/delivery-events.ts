// The events delivery emits about itself (source system:eventhook): `delivery.dead` when an action gives up,
// `endpoint.disabled` when an endpoint is switched off. Rules route them like any event; the hop count grows so a
// rule reacting to them cannot loop forever.
import { SYSTEM_SOURCES } from '../core/envelope.js';
import { causedBy, newSystemEvent } from '../events/publisher.js';
import type { ActionRecord, EndpointRecord, EventRecord, NewEvent } from '../store/records.js';

export function deliveryDeadEvent(opts: {
  action: Pick<ActionRecord, 'id' | 'org' | 'eventId' | 'ruleId' | 'attempts'>;
  event: EventRecord;
  endpoint: string;
  msgId: string;
  reason: 'exhausted' | 'gone' | 'aborted' | 'failed';
  error: string;
  statusCode: number | null;
  now: number;
}): NewEvent {
  const { action, event } = opts;
  return newSystemEvent({
    org: action.org,
    source: SYSTEM_SOURCES.eventhook,
    type: 'delivery.dead',
    subject: opts.endpoint,
    data: {
      actionId: action.id,
      eventId: action.eventId,
      ruleId: action.ruleId,
      endpoint: opts.endpoint,
      msgId: opts.msgId,
      attemptCount: action.attempts,
      // The count's name before 2026-12, kept for the rules that match it.
      attempts: action.attempts,
      reason: opts.reason,
      error: opts.error,
      statusCode: opts.statusCode,
    },
    now: opts.now,
    ...causedBy(event),
  });
}

export function endpointDisabledEvent(opts: {
  endpoint: EndpointRecord;
  reason: 'gone' | 'failing';
  detail: string;
  cause: EventRecord | undefined;
  now: number;
}): NewEvent {
  return newSystemEvent({
    org: opts.endpoint.org,
    source: SYSTEM_SOURCES.eventhook,
    type: 'endpoint.disabled',
    subject: opts.endpoint.slug,
    data: {
      endpointId: opts.endpoint.id,
      endpoint: opts.endpoint.slug,
      url: opts.endpoint.url,
      reason: opts.reason,
      detail: opts.detail,
    },
    now: opts.now,
    correlationId: opts.cause ? (opts.cause.correlationId ?? opts.cause.id) : null,
    hopCount: (opts.cause?.hopCount ?? 0) + 1,
  });
}
