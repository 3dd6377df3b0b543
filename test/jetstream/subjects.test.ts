// Where the JetStream event log puts events: the type's dots become subject tokens, and what NATS gives a meaning to
// cannot escape its token.
import { describe, expect, it } from 'vitest';
import {
  deadActionSubject,
  deadLetterSubject,
  eventSubject,
  intakeOrg,
  intakeStreamName,
  intakeSubjects,
  logSubjects,
  rejectedSubject,
  streamName,
  tokens,
} from '../../src/jetstream/subjects.js';

describe('event log subjects', () => {
  it('puts an event under its org and type, the type’s dots as tokens', () => {
    expect(eventSubject('eventhook', 'acme', 'order.created')).toBe(
      'eventhook.log.events.acme.order.created',
    );
    expect(eventSubject('prod.eu', 'default', 'push')).toBe('prod.eu.log.events.default.push');
    expect(deadLetterSubject('eventhook', 'acme', 'billing-api')).toBe('eventhook.log.dlq.acme.billing-api');
    expect(deadActionSubject('eventhook', 'acme', 'event_bus')).toBe(
      'eventhook.log.dlq.acme._action.event_bus',
    );
  });

  it('keeps wildcards, spaces and empty tokens out, so a type cannot widen a consumer’s filter', () => {
    expect(tokens('a.*.>')).toBe('a._._');
    expect(tokens('invoice paid')).toBe('invoice_paid');
    expect(tokens('.x..y.')).toBe('_.x._.y._');
    expect(tokens('tab\there')).toBe('tab_here');
  });

  it('names the stream after the prefix, and captures only the log, not the bus’s doorbell subjects', () => {
    expect(streamName('eventhook')).toBe('EVENTHOOK');
    expect(streamName('prod.eu-1')).toBe('PROD_EU-1');
    expect(logSubjects('eventhook')).toBe('eventhook.log.>');
  });
});

describe('intake subjects', () => {
  it('reads the org from the token after `in`; further tokens are the producer’s', () => {
    expect(intakeOrg('eventhook', 'eventhook.in.acme')).toBe('acme');
    expect(intakeOrg('prod.eu', 'prod.eu.in.acme.billing.invoices')).toBe('acme');
    expect(intakeOrg('eventhook', 'eventhook.in')).toBeUndefined();
    expect(intakeOrg('eventhook', 'other.in.acme')).toBeUndefined();
    expect(intakeStreamName('prod.eu')).toBe('PROD_EU_IN');
    expect(intakeSubjects('eventhook')).toBe('eventhook.in.>');
    expect(rejectedSubject('eventhook', 'acme')).toBe('eventhook.log.rejected.acme');
    expect(rejectedSubject('eventhook', undefined)).toBe('eventhook.log.rejected._');
  });
});
