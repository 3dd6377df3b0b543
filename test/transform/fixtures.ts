// Shared test envelopes for the transform tests.
import type { Envelope } from '../../src/core/envelope.js';
import type { EventId } from '../../src/core/ids.js';
import { EventhookError } from '../../src/core/errors.js';

export function envelope(data: Envelope['data'] = {}, extra: Partial<Envelope> = {}): Envelope {
  return {
    specversion: '1.0',
    id: 'evt_01JTESTTRANSFORM0000000000' as EventId,
    org: 'acme',
    source: 'webhook:github',
    type: 'pull_request.opened',
    time: '2026-01-02T03:04:05.000Z',
    data,
    headers: { 'x-github-event': 'pull_request' },
    ...extra,
  };
}

/** Runs `fn` and returns the EventhookError it throws (fails the test if it throws nothing or something else). */
export function thrown(fn: () => unknown): EventhookError {
  try {
    fn();
  } catch (err) {
    if (err instanceof EventhookError) return err;
    throw err;
  }
  throw new Error('expected an EventhookError, nothing was thrown');
}
