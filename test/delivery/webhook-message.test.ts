// The message on the wire: a webhook-id derived from the action's idempotency key, exact body bytes, signed headers.
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  generateEndpointSecret,
  messageIdFor,
  webhookBody,
  webhookRequest,
  type LiveEndpoint,
} from '../../src/delivery/index.js';
import { ManualClock, newId } from '../../src/core/index.js';
import type { EndpointRecord } from '../../src/store/records.js';

describe('webhook messages', () => {
  it('derives a stable, well-formed webhook-id from the idempotency key', () => {
    const a = messageIdFor('evt_1:rule_1:0');
    expect(a).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(messageIdFor('evt_1:rule_1:0')).toBe(a);
    expect(messageIdFor('evt_1:rule_1:1')).not.toBe(a);
    expect(messageIdFor('evt_1:rule_1:0:2')).not.toBe(a);
  });

  it('signs exactly the bytes it sends, with every active secret, over a fresh timestamp', () => {
    const clock = new ManualClock(Date.now());
    const current = generateEndpointSecret().secret;
    const retiring = generateEndpointSecret().secret;
    const expired = generateEndpointSecret().secret;
    const endpoint: LiveEndpoint = {
      record: {
        id: newId('endpoint'),
        url: 'https://example.com/hooks',
        headers: { 'x-team': 'a' },
        headerStyle: 'webhook',
        timeoutMs: 1234,
      } as unknown as EndpointRecord,
      auth: { type: 'none' },
      secretHeaders: { 'x-custom-key': 's3cr3t' },
      timeoutMs: 1234,
      secrets: [
        { secret: expired, createdAt: clock.now() - 3000, expiresAt: clock.now() - 1 },
        { secret: retiring, createdAt: clock.now() - 2000, expiresAt: clock.now() + 60_000 },
        { secret: current, createdAt: clock.now() - 1000 },
      ],
      orderingKey: undefined,
      breaker: new CircuitBreaker(clock),
    };
    const body = webhookBody({ note: 'ünïcødé', n: 1 });
    expect(body.toString('utf8')).toBe('{"note":"ünïcødé","n":1}');
    const req = webhookRequest(endpoint, 'msg_test', body, clock.now());
    expect(req).toMatchObject({ url: 'https://example.com/hooks', timeoutMs: 1234, body });
    expect(req.headers).toMatchObject({
      'x-team': 'a',
      'x-custom-key': 's3cr3t',
      'content-type': 'application/json',
      'webhook-id': 'msg_test',
    });
    expect(req.headers['webhook-timestamp']).toBe(String(Math.floor(clock.now() / 1000)));
    expect(req.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [current, retiring])
      expect(new Webhook(secret).verify(body, req.headers)).toEqual({ note: 'ünïcødé', n: 1 });
    expect(() => new Webhook(expired).verify(body, req.headers)).toThrow();
  });
});
