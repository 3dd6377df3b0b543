// Event type, subject and idempotency key extraction: provider rule, source config, defaults, fallbacks.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  extractEventType,
  extractIdempotencyKey,
  extractSubject,
  UNKNOWN_EVENT_TYPE,
  validateEventTypeConfig,
  validateIdempotencyKeyPath,
} from '../../src/ingest/extract.js';
import { getProvider } from '../../src/ingest/providers/index.js';
import { inbound, parsedBody } from './fixtures.js';

const json = (body: unknown, headers: Record<string, string> = {}) =>
  inbound({ headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const typeOf = (req: ReturnType<typeof inbound>, opts: Parameters<typeof extractEventType>[2] = {}) =>
  extractEventType(req, parsedBody(req), opts);

describe('extractEventType', () => {
  it('uses the provider rule first', () => {
    const req = json(
      { action: 'closed', type: 'ignored' },
      { 'x-github-event': 'issues', 'x-event-type': 'ignored' },
    );
    expect(typeOf(req, { provider: getProvider('github'), eventType: { header: 'x-event-type' } })).toBe(
      'issues.closed',
    );
  });

  it('then the source config: header, then JMESPath (string results only)', () => {
    const req = json({ meta: { kind: 'order.paid' }, n: 1, type: 'fallback' }, { 'x-kind': 'from.header' });
    expect(typeOf(req, { eventType: { header: 'X-Kind', jmespath: 'meta.kind' } })).toBe('from.header');
    expect(typeOf(req, { eventType: { jmespath: 'meta.kind' } })).toBe('order.paid');
    expect(typeOf(req, { eventType: { jmespath: 'n' } })).toBe('fallback');
    expect(typeOf(req, { eventType: { jmespath: "join('-', [meta.kind, 'x'])" } })).toBe('order.paid-x');
  });

  it('then the default headers X-Event-Type, X-Webhook-Event', () => {
    expect(typeOf(json({ type: 'body' }, { 'x-event-type': 'hdr.one' }))).toBe('hdr.one');
    expect(typeOf(json({ type: 'body' }, { 'x-webhook-event': 'hdr.two' }))).toBe('hdr.two');
  });

  it('then the default body fields type, event_type, eventType, event — strings only', () => {
    expect(typeOf(json({ type: 'a', event_type: 'b' }))).toBe('a');
    expect(typeOf(json({ event_type: 'b', eventType: 'c' }))).toBe('b');
    expect(typeOf(json({ eventType: 'c', event: 'd' }))).toBe('c');
    expect(typeOf(json({ event: 'd' }))).toBe('d');
    expect(typeOf(json({ type: 7, event: { type: 'x' } }))).toBe(UNKNOWN_EVENT_TYPE);
  });

  it('cuts a type longer than 256 characters between characters, never inside an emoji', () => {
    expect(typeOf(json({ type: 'a'.repeat(300) }))).toBe('a'.repeat(256));
    // The emoji's two UTF-16 units would straddle the cut: it goes whole, or (here) not at all.
    expect(typeOf(json({ type: `${'a'.repeat(255)}😀tail` }))).toBe('a'.repeat(255));
    expect(typeOf(json({ type: `${'a'.repeat(254)}😀tail` }))).toBe(`${'a'.repeat(254)}😀`);
  });

  it('falls back to "unknown" for empty and raw bodies, and ignores a broken JMESPath at runtime', () => {
    expect(typeOf(inbound({ body: 'raw' }))).toBe('unknown');
    expect(typeOf(json({ type: 'ok' }), { eventType: { jmespath: 'a.[' } })).toBe('ok');
    expect(typeOf(json({ type: '   ' }))).toBe('unknown');
  });

  it('rejects a bad JMESPath at save time with EH_SOURCE_INVALID at /eventType/jmespath', () => {
    expect(() => validateEventTypeConfig({ jmespath: 'a.[' })).toThrow(
      expect.objectContaining({
        code: 'EH_SOURCE_INVALID',
        issues: [expect.objectContaining({ path: '/eventType/jmespath' })],
      }),
    );
    expect(() => validateEventTypeConfig({ jmespath: 'data.kind' })).not.toThrow();
  });
});

describe('extractSubject', () => {
  it('comes from the provider, and is absent without one', () => {
    const req = json({ repository: { full_name: 'o/r' } }, { 'x-github-event': 'push' });
    expect(extractSubject(req, parsedBody(req), { provider: getProvider('github') })).toBe('o/r');
    expect(extractSubject(req, parsedBody(req), {})).toBeUndefined();
  });
});

describe('idempotency keys', () => {
  const req = json(
    { id: 'evt_1', data: { object: { id: 'pi_1' }, items: [{ sku: 42 }] }, empty: '' },
    { 'X-Delivery': 'd-1' },
  );
  const key = (paths: string[]) => extractIdempotencyKey(req, parsedBody(req), paths);

  it('takes the first path with a value, headers case-insensitively, numbers as strings', () => {
    expect(key(['header.x-missing', 'header.X-Delivery', 'body.id'])).toBe('d-1');
    expect(key(['body.empty', 'body.data.object.id'])).toBe('pi_1');
    expect(key(['body.data.items.0.sku'])).toBe('42');
    expect(key(['body.data', 'body.nope'])).toBeUndefined();
    expect(key([])).toBeUndefined();
  });

  it('hashes very long values so the store can index them', () => {
    const long = json({ id: 'x'.repeat(300) });
    expect(extractIdempotencyKey(long, parsedBody(long), ['body.id'])).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('raw.sha256 is the digest of the exact bytes: the same bytes the same key, other bytes another', () => {
    const a = json({ event: 'invitee.created', created_at: '2026-12-05T10:00:00Z' });
    const digest = extractIdempotencyKey(a, parsedBody(a), ['raw.sha256']);
    expect(digest).toBe(`sha256:${createHash('sha256').update(a.rawBody).digest('hex')}`);
    const same = json(
      { event: 'invitee.created', created_at: '2026-12-05T10:00:00Z' },
      { 'X-Other': 'header' },
    );
    expect(extractIdempotencyKey(same, parsedBody(same), ['raw.sha256'])).toBe(digest);
    const later = json({ event: 'invitee.created', created_at: '2026-12-05T10:00:01Z' });
    expect(extractIdempotencyKey(later, parsedBody(later), ['raw.sha256'])).not.toBe(digest);
    // An empty body is no identity; the next path is asked instead.
    const empty = { ...a, rawBody: Buffer.alloc(0), headers: { 'x-id': 'h-1' } };
    expect(extractIdempotencyKey(empty, undefined, ['raw.sha256', 'header.x-id'])).toBe('h-1');
    expect(extractIdempotencyKey(empty, undefined, ['raw.sha256'])).toBeUndefined();
  });

  it('validates path syntax at save time', () => {
    for (const ok of [
      'header.x-github-delivery',
      'body.id',
      'body.event-data.id',
      'body.items.0.id',
      'raw.sha256',
    ])
      expect(() => validateIdempotencyKeyPath(ok)).not.toThrow();
    for (const bad of [
      'id',
      'header.',
      'body.',
      'body.a..b',
      'header.bad header',
      'query.x',
      'raw.md5',
      'raw',
    ]) {
      expect(() => validateIdempotencyKeyPath(bad, 2), bad).toThrow(
        expect.objectContaining({
          code: 'EH_SOURCE_INVALID',
          issues: [expect.objectContaining({ path: '/idempotencyKeys/2' })],
        }),
      );
    }
  });
});
