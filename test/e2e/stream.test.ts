// GET /stream: live events as Server-Sent Events, filtered by a pattern, resumable with Last-Event-ID.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { readFrames } from '../helpers/sse.js';

const base = '/api/orgs/default/eventhook';

describe('live stream', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  const open = (query = '', headers: Record<string, string> = {}) =>
    fetch(`${t.url}${base}/stream${query}`, {
      headers: { authorization: `Bearer ${t.api.token}`, ...headers },
    });

  it('streams matching events as they are committed', async () => {
    const pattern = encodeURIComponent(JSON.stringify({ type: [{ prefix: 'order.' }] }));
    const res = await open(`?pattern=${pattern}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const frames = readFrames(res, 'event', 2);
    await new Promise((r) => setTimeout(r, 50));
    await t.api.post(`${base}/events`, { type: 'user.created', data: { n: 0 } });
    const a = await t.api.post(`${base}/events`, { type: 'order.created', data: { n: 1 } });
    const b = await t.api.post(`${base}/events`, { type: 'order.paid', data: { n: 2 } });
    const got = await frames;
    expect(got.map((f) => f.id)).toEqual([a.body.eventId, b.body.eventId]);
    expect(got[0]!.data).toMatchObject({
      specversion: '1.0',
      type: 'order.created',
      source: 'app:default',
      data: { n: 1 },
    });
  });

  it('replays what a reconnecting client missed', async () => {
    const first = await t.api.post(`${base}/events`, { type: 'tick', data: { n: 1 } });
    const missed = await t.api.post(`${base}/events`, { type: 'tick', data: { n: 2 } });
    const res = await open('', { 'last-event-id': first.body.eventId });
    const got = await readFrames(res, 'event', 1);
    expect(got[0]!.id).toBe(missed.body.eventId);
  });

  it('rejects an invalid pattern with the reason', async () => {
    const res = await open(`?pattern=${encodeURIComponent('{"type": "not-a-list"}')}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('EH_PATTERN_INVALID');
  });
});
