// POST /endpoints/{endpoint}/test: a signed test message goes to a real receiver exactly as a delivery would (the
// official standardwebhooks library verifies it, auth and headers applied), the answer says what the receiver said,
// and nothing a delivery leaves behind is left: no action, no attempt, no breaker state, no disabling on 410.
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import {
  BASE,
  createEndpoint,
  startOutbound,
  startReceiver,
  stopOutbound,
  type Receiver,
} from '../helpers/outbound.js';

describe('endpoint test messages', () => {
  let t: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    ({ t, receiver } = await startOutbound('sqlite', undefined, {
      env: { EVENTHOOK_BREAKER_THRESHOLD: '2' },
    }));
  });
  afterAll(() => stopOutbound(t, receiver));

  const arrivals = (path: string) => receiver.requests.filter((r) => r.path === path);
  const probe = (slug: string, body: unknown = {}) => t.api.post(`${BASE}/endpoints/${slug}/test`, body);

  it('sends a signed envelope the official library verifies and answers with what the receiver said', async () => {
    const ep = await createEndpoint(t, { slug: 'hello', url: `${receiver.url}/hello` });
    const res = await probe('hello');
    expect(res.status, res.text).toBe(200);
    const [got] = arrivals('/hello');
    expect(got).toBeDefined();
    expect(res.body).toMatchObject({
      ok: true,
      outcome: 'succeeded',
      statusCode: 200,
      error: null,
      response: { body: 'ok', truncated: false },
    });
    expect(res.body.msgId).toBe(got!.headers['webhook-id']);
    expect(res.body.request.body).toBe(got!.body.toString('utf8'));
    const envelope = new StandardWebhook(ep.secret).verify(got!.body, got!.headers);
    expect(envelope).toMatchObject({ type: 'eventhook.test', source: 'system:eventhook', subject: 'hello' });
    // A delivery would have left an action and an attempt behind; a test leaves neither.
    expect((await t.api.get(`${BASE}/actions?endpoint=hello`)).body.items).toEqual([]);
    const health = (await t.api.get(`${BASE}/endpoints/hello`)).body.health;
    expect(health).toMatchObject({ attempts: 0, state: 'healthy', queue: { depth: 0 } });
  });

  it("sends the caller's type and data with the endpoint's headers and auth, and redacts the credential", async () => {
    await createEndpoint(t, {
      slug: 'authed',
      url: `${receiver.url}/authed`,
      headers: { 'x-team': 'billing' },
      auth: { type: 'bearer', token: 'tok-secret-123' },
    });
    const res = await probe('authed', { type: 'order.created', data: { id: 'o_1' } });
    expect(res.body.ok).toBe(true);
    const [got] = arrivals('/authed');
    expect(got!.headers.authorization).toBe('Bearer tok-secret-123');
    expect(got!.headers['x-team']).toBe('billing');
    expect(JSON.parse(got!.body.toString('utf8'))).toMatchObject({
      type: 'order.created',
      data: { id: 'o_1' },
    });
    expect(res.body.request.headers['x-team']).toBe('billing');
    expect(res.body.request.headers.authorization).not.toContain('tok-secret-123');
    expect(res.text).not.toContain('tok-secret-123');
  });

  it('reports a failing receiver without feeding the breaker, and a 410 without disabling the endpoint', async () => {
    await createEndpoint(t, { slug: 'broken', url: `${receiver.url}/broken` });
    receiver.handle((req, res) => {
      if (req.path === '/broken') res.writeHead(500, { 'x-why': 'db down' }).end('internal error');
      else if (req.path === '/gone') res.writeHead(410).end('gone');
      else res.writeHead(200).end('ok');
    });
    // More failures than the breaker's threshold (2 in this app).
    for (let i = 0; i < 3; i++) {
      const res = await probe('broken');
      expect(res.body).toMatchObject({
        ok: false,
        outcome: 'failed',
        statusCode: 500,
        error: 'the endpoint answered 500',
        response: { body: 'internal error', headers: { 'x-why': 'db down' } },
      });
    }
    const broken = (await t.api.get(`${BASE}/endpoints/broken`)).body;
    expect(broken.status).toBe('active');
    expect(broken.health).toMatchObject({ state: 'healthy', consecutiveFailures: 0, attempts: 0 });

    await createEndpoint(t, { slug: 'gone', url: `${receiver.url}/gone` });
    const gone = await probe('gone');
    expect(gone.body).toMatchObject({ ok: false, outcome: 'gone', statusCode: 410 });
    expect((await t.api.get(`${BASE}/endpoints/gone`)).body.status).toBe('active');
  });

  it('goes to a paused endpoint and leaves it paused', async () => {
    await createEndpoint(t, { slug: 'held', url: `${receiver.url}/held`, status: 'paused' });
    const res = await probe('held');
    expect(res.body).toMatchObject({ ok: true, statusCode: 200 });
    expect(arrivals('/held')).toHaveLength(1);
    expect((await t.api.get(`${BASE}/endpoints/held`)).body.status).toBe('paused');
  });

  it('answers a receiver that cannot be reached with the connection error and no response', async () => {
    const closed = await startReceiver();
    await closed.close();
    await createEndpoint(t, { slug: 'nowhere', url: `${closed.url}/x` });
    const res = await probe('nowhere');
    expect(res.body).toMatchObject({ ok: false, outcome: 'failed', statusCode: null, response: null });
    expect(res.body.error).toMatch(/^connection: /);
  });

  it('needs a key that may change endpoints, refuses an unknown endpoint and an unknown field', async () => {
    const member = (await t.api.post('/api/orgs/default/api-keys', { name: 'm', role: 'member' })).body.key;
    const before = receiver.requests.length;
    expect((await t.api.as(member).post(`${BASE}/endpoints/hello/test`, {})).status).toBe(403);
    expect(receiver.requests.length).toBe(before);
    const missing = await probe('no-such');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('EH_ENDPOINT_NOT_FOUND');
    const bad = await probe('hello', { typo: 1 });
    expect(bad.status).toBe(400);
  });
});
