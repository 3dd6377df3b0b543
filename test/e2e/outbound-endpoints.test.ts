// Issue 6 §1 and §10: the endpoint API — validation with located errors, secrets never returned, partial updates,
// deletion, roles — and the health GET /endpoints/{endpoint} reports (state, success rate, latency, queue depth).
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually, type TestApp } from '../helpers/app.js';
import {
  BASE,
  createEndpoint,
  createRule,
  ingestSource,
  type ReceivedRequest,
  type Receiver,
  startOutbound,
  stopOutbound,
  waitForAction,
} from '../helpers/outbound.js';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`endpoint API — ${backend}`, () => {
    let t: TestApp;
    let receiver: Receiver;

    /** Per path, how the receiver answers instead of the default (tests set these). */
    const answers = new Map<string, (req: ReceivedRequest, res: ServerResponse) => void>();

    beforeAll(async () => {
      // /sometimes fails the first attempt of every message and accepts the second.
      ({ t, receiver } = await startOutbound(backend, (req, res) => {
        const answer = answers.get(req.path);
        if (answer) return answer(req, res);
        const seen = receiver.requests.filter(
          (r) => r.headers['webhook-id'] === req.headers['webhook-id'],
        ).length;
        res.writeHead(req.path === '/sometimes' && seen === 1 ? 500 : 200).end();
      }));
    });
    afterAll(() => stopOutbound(t, receiver));

    it('rejects bad input with the offending field', async () => {
      const cases: Array<[Record<string, unknown>, string, RegExp]> = [
        [{ slug: 'a', url: 'ftp://example.com/' }, '/url', /http or https/],
        [{ slug: 'a', url: 'https://user:pw@example.com/' }, '/url', /credentials/],
        [
          { slug: 'a', url: 'https://example.com/', headers: { 'webhook-signature': 'x' } },
          '/headers/webhook-signature',
          /set by Eventhook/,
        ],
        [
          { slug: 'a', url: 'https://example.com/', headers: { Host: 'x' } },
          '/headers/Host',
          /set by Eventhook/,
        ],
        [{ slug: 'a', url: 'https://example.com/', secrets: ['whsec_short'] }, '/secrets/0', /24–64 bytes/],
        [{ slug: 'a', url: 'https://example.com/', secrets: ['not-a-secret'] }, '/secrets/0', /whsec_/],
        [
          { slug: 'a', url: 'https://example.com/', auth: { type: 'basic', username: 'u' } },
          '/auth/password',
          /non-empty/,
        ],
        [
          {
            slug: 'a',
            url: 'https://example.com/',
            auth: { type: 'api_key', header: 'Content-Length', value: 'v' },
          },
          '/auth/header',
          /set by Eventhook/,
        ],
        [
          // It would replace the application/json the signed body is sent as.
          {
            slug: 'a',
            url: 'https://example.com/',
            auth: { type: 'api_key', header: 'Content-Type', value: 'text/plain' },
          },
          '/auth/header',
          /set by Eventhook/,
        ],
        // Values no header can carry: every delivery would die at once as a request that can never work.
        [
          { slug: 'a', url: 'https://example.com/', headers: { 'x-team': 'billing ✓' } },
          '/headers/x-team',
          /beyond Latin-1/,
        ],
        [
          { slug: 'a', url: 'https://example.com/', secretHeaders: { 'x-partner-sig': 'k\u0001ey' } },
          '/secretHeaders/x-partner-sig',
          /control characters/,
        ],
        [
          { slug: 'a', url: 'https://example.com/', auth: { type: 'bearer', token: 'tök€n' } },
          '/auth/token',
          /beyond Latin-1/,
        ],
        [
          {
            slug: 'a',
            url: 'https://example.com/',
            auth: { type: 'api_key', header: 'x-api-key', value: 'key\u007f' },
          },
          '/auth/value',
          /control characters/,
        ],
        [{ slug: 'a', url: 'https://example.com/', orderingKey: 'data.customer' }, '/orderingKey', /fifo/],
        [
          { slug: 'a', url: 'https://example.com/', ordering: 'fifo', orderingKey: 'data.[' },
          '/orderingKey',
          /./,
        ],
        [
          { slug: 'a', url: 'https://example.com/', retry: { schedule: ['8d'] } },
          '/retry/schedule/0',
          /604800000/,
        ],
        [{ slug: 'Not A Slug', url: 'https://example.com/' }, '/slug', /./],
        [{ slug: 'a', url: 'https://example.com/', timeoutMs: 50 }, '/timeoutMs', /./],
      ];
      for (const [body, path, message] of cases) {
        const res = await t.api.post(`${BASE}/endpoints`, body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        // Shape errors come from the request schema (body/…), meaning errors from the endpoint checks (/…).
        const norm = (p: string) => p.replace(/^body\//, '/');
        const issue = (res.body.errors ?? []).find((e: { path: string }) => norm(e.path) === path) ?? {
          path: res.body.detail,
          message: res.body.detail,
        };
        expect(norm(issue.path), `${JSON.stringify(body)}: ${res.text}`).toBe(path);
        expect(issue.message, JSON.stringify(body)).toMatch(message);
      }
      expect((await t.api.get(`${BASE}/endpoints`)).body.items).toHaveLength(0);
    });

    it('keeps given secrets and credentials sealed: never returned, not in lists', async () => {
      const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
      const created = await createEndpoint(t, {
        slug: 'given',
        url: 'https://example.com/hooks',
        secrets: [secret],
        auth: { type: 'basic', username: 'eventhook', password: 'pa55word' },
        description: 'partner hooks',
        rateLimit: 2.5,
        maxConcurrency: 3,
        retry: { schedule: ['5s', '90s', '2h'], maxAttempts: 6 },
      });
      expect(created.secret).toBeUndefined();
      expect(created).toMatchObject({
        slug: 'given',
        description: 'partner hooks',
        auth: { type: 'basic', username: 'eventhook' },
        rateLimit: 2.5,
        maxConcurrency: 3,
        retry: { schedule: ['5s', '90s', '2h'], maxAttempts: 6 },
        status: 'active',
        timeoutMs: 15000,
        headerStyle: 'webhook',
        ordering: 'none',
      });
      const list = await t.api.get(`${BASE}/endpoints`);
      for (const text of [created, list.body].map((x) => JSON.stringify(x))) {
        expect(text).not.toContain(secret.slice(6));
        expect(text).not.toContain('pa55word');
      }
      expect(list.body.items.map((e: { slug: string }) => e.slug)).toEqual(['given']);
      expect(
        (await t.api.post(`${BASE}/endpoints`, { slug: 'given', url: 'https://example.com/x' })).status,
      ).toBe(409);
    });

    it('updates partially, clears with null, and keeps the slug', async () => {
      await createEndpoint(t, { slug: 'patchme', url: 'https://example.com/a', rateLimit: 10 });
      const patched = await t.api.patch(`${BASE}/endpoints/patchme`, {
        url: 'https://example.com/b',
        rateLimit: null,
        timeoutMs: 5000,
        headers: { 'X-Tenant': 't1' },
      });
      expect(patched.status, patched.text).toBe(200);
      expect(patched.body).toMatchObject({
        slug: 'patchme',
        url: 'https://example.com/b',
        rateLimit: null,
        timeoutMs: 5000,
        headers: { 'x-tenant': 't1' },
      });
      expect((await t.api.patch(`${BASE}/endpoints/patchme`, { slug: 'renamed' })).status).toBe(400);
      expect((await t.api.patch(`${BASE}/endpoints/patchme`, { url: 'http://10.0.0.1/' })).status).toBe(400);
      const paused = await t.api.patch(`${BASE}/endpoints/patchme`, { status: 'paused' });
      expect(paused.body.status).toBe('paused');
      expect((await t.api.post(`${BASE}/endpoints/patchme/enable`)).body.status).toBe('active');
    });

    it('reports health: success rate, latency percentiles and queue depth from recorded attempts', async () => {
      const send = await ingestSource(t, 'health-src');
      await createEndpoint(t, {
        slug: 'sometimes',
        url: `${receiver.url}/sometimes`,
        retry: { schedule: ['100ms'] },
      });
      await createRule(t, 'sometimes', 'health.test', [{ endpoint: 'sometimes' }]);
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push(await send({ type: 'health.test', i }));
      for (const id of ids) await waitForAction(t, id, (a) => a.status === 'succeeded');
      const ep = (await t.api.get(`${BASE}/endpoints/sometimes`)).body;
      const attempts = receiver.requests.filter((r) => r.path === '/sometimes').length;
      expect(attempts).toBe(8);
      expect(ep.health.attempts).toBe(8);
      expect(ep.health.successRate).toBe(0.5);
      expect(ep.health.state).toBe('healthy');
      expect(ep.health.latencyMs.p50).toBeGreaterThanOrEqual(0);
      expect(ep.health.latencyMs.p99).toBeGreaterThanOrEqual(ep.health.latencyMs.p50);
      expect(ep.health.queue).toEqual({ pending: 0, inFlight: 0, failed: 0, dead: 0, depth: 0 });

      const idle = (await t.api.get(`${BASE}/endpoints/patchme`)).body.health;
      expect(idle).toMatchObject({ attempts: 0, successRate: null, latencyMs: null, state: 'healthy' });
    });

    it('reports latency percentiles and a success rate from attempts with known delays and failures', async () => {
      // Each message tells the receiver how long to wait and what to answer.
      answers.set('/timed', (req, res) => {
        const { delayMs, status } = JSON.parse(req.body.toString()).data;
        setTimeout(() => res.writeHead(status).end(), delayMs);
      });
      const send = await ingestSource(t, 'timed-src');
      // One attempt per message, so every message is exactly one sample.
      await createEndpoint(t, { slug: 'timed', url: `${receiver.url}/timed`, retry: { maxAttempts: 1 } });
      await createRule(t, 'timed', 'timed.test', [{ endpoint: 'timed' }]);
      // The two failures go first, so that the endpoint has recovered (state healthy) by the end.
      const plan = [
        ...Array.from({ length: 2 }, () => ({ delayMs: 0, status: 500 })),
        ...Array.from({ length: 6 }, () => ({ delayMs: 0, status: 200 })),
        ...Array.from({ length: 2 }, () => ({ delayMs: 150, status: 200 })),
      ];
      for (const answer of plan) {
        const id = await send({ type: 'timed.test', ...answer });
        await waitForAction(t, id, (a) => a.status === (answer.status === 200 ? 'succeeded' : 'dead'));
      }
      const health = (await t.api.get(`${BASE}/endpoints/timed`)).body.health;
      expect(health).toMatchObject({ state: 'healthy', attempts: 10, successRate: 0.8 });
      // Nearest rank over 10 samples: p50 is the 5th (one of the eight quick ones), p90 and p99 the slow ones.
      // Timers may fire a little early, hence 140 rather than 150; the upper bounds only need to be far off.
      const { p50, p90, p99 } = health.latencyMs;
      expect(p50).toBeLessThan(100);
      expect(p90).toBeGreaterThanOrEqual(140);
      expect(p90).toBeLessThan(1000);
      expect(p99).toBeGreaterThanOrEqual(p90);
      expect(p99).toBeLessThan(1000);
      expect(health.queue).toEqual({ pending: 0, inFlight: 0, failed: 0, dead: 2, depth: 0 });
    });

    it('counts what waits in the queue: pending for a slot, in flight, failed awaiting a retry, dead', async () => {
      const held: Array<() => void> = [];
      let holding = true;
      answers.set('/queued', (req, res) => {
        const { answer } = JSON.parse(req.body.toString()).data;
        if (answer === 'fail') res.writeHead(500).end();
        else if (answer === 'abort') res.writeHead(400, { 'webhook-delivery': 'abort-message' }).end();
        else if (holding) held.push(() => res.writeHead(200).end());
        else res.writeHead(200).end();
      });
      const send = await ingestSource(t, 'queued-src');
      // Two at a time, and a failure waits an hour for its retry: long enough to be seen as failed.
      await createEndpoint(t, {
        slug: 'queued',
        url: `${receiver.url}/queued`,
        maxConcurrency: 2,
        retry: { schedule: ['1h'], maxAttempts: 2 },
      });
      await createRule(t, 'queued', 'queued.test', [{ endpoint: 'queued' }]);
      const failed = await send({ type: 'queued.test', answer: 'fail' });
      await waitForAction(t, failed, (a) => a.status === 'failed' && a.attemptCount === 1);
      const dead = await send({ type: 'queued.test', answer: 'abort' });
      await waitForAction(t, dead, (a) => a.status === 'dead');
      const kept: string[] = [];
      for (let i = 0; i < 5; i++) kept.push(await send({ type: 'queued.test', answer: 'hold', i }));

      // Two are held by the receiver; the other three wait for a slot without an attempt. An action counts as
      // in flight once claimed, a moment before its request reaches the receiver, so both are awaited.
      const queue = await eventually(
        async () => {
          const q = (await t.api.get(`${BASE}/endpoints/queued`)).body.health.queue;
          return q.inFlight === 2 && q.pending === 3 && held.length === 2 ? q : undefined;
        },
        10_000,
        'two in flight and three pending',
      );
      expect(queue).toEqual({ pending: 3, inFlight: 2, failed: 1, dead: 1, depth: 6 });
      expect(held).toHaveLength(2);
      const health = (await t.api.get(`${BASE}/endpoints/queued`)).body.health;
      // Only finished attempts are samples: the failure and the abort.
      expect(health).toMatchObject({ attempts: 2, successRate: 0 });

      holding = false;
      for (const release of held.splice(0)) release();
      for (const id of kept) await waitForAction(t, id, (a) => a.status === 'succeeded');
      expect((await t.api.get(`${BASE}/endpoints/queued`)).body.health).toMatchObject({
        attempts: 7,
        queue: { pending: 0, inFlight: 0, failed: 1, dead: 1, depth: 1 },
      });
    });

    it('deleting an endpoint frees its slug and makes its waiting deliveries die visibly', async () => {
      const send = await ingestSource(t, 'delete-src');
      await createEndpoint(t, { slug: 'doomed', url: `${receiver.url}/doomed`, status: 'paused' });
      await createRule(t, 'doomed', 'doomed.test', [{ endpoint: 'doomed' }]);
      const id = await send({ type: 'doomed.test' });
      await waitForAction(t, id, (a) => a.waiting === 'endpoint_paused');
      expect((await t.api.delete(`${BASE}/rules/doomed`)).status).toBe(204);
      expect((await t.api.delete(`${BASE}/endpoints/doomed`)).status).toBe(204);
      const dead = await waitForAction(t, id, (a) => a.status === 'dead');
      expect(dead.lastError).toBe('endpoint doomed does not exist');
      expect((await t.api.get(`${BASE}/endpoints/doomed`)).status).toBe(404);
      expect(
        (await t.api.get(`${BASE}/endpoints?includeDeleted=true`)).body.items.some(
          (e: { slug: string; deletedAt: string | null }) => e.slug === 'doomed' && e.deletedAt,
        ),
      ).toBe(true);
      const predecessor = (await t.api.get(`${BASE}/endpoints?includeDeleted=true`)).body.items.find(
        (e: { slug: string }) => e.slug === 'doomed',
      );
      await createEndpoint(t, { slug: 'doomed', url: 'https://example.com/again' });
      // The new endpoint's health starts empty: the attempt that found the old one gone is not its own, nor is the
      // old one's dead letter.
      expect((await t.api.get(`${BASE}/endpoints/doomed`)).body.health).toMatchObject({
        attempts: 0,
        successRate: null,
        queue: { pending: 0, inFlight: 0, failed: 0, dead: 0, depth: 0 },
      });
      // Its dead-letter queue is its own too; the old one's stays, under the old endpoint's id.
      expect((await t.api.get(`${BASE}/actions?endpoint=doomed&status=dead`)).body.items).toEqual([]);
      expect((await t.api.get(`${BASE}/actions?endpoint=doomed`)).body.items).toEqual([]);
      const old = await t.api.get(`${BASE}/actions?endpoint=${predecessor.id}&status=dead`);
      expect(old.body.items.map((a: { id: string }) => a.id)).toEqual([dead.id]);
      const retry = await t.api.post(`${BASE}/actions/retry`, {
        filter: { endpoint: 'doomed' },
        dryRun: true,
      });
      expect(retry.body.count).toBe(0);
    });

    it('a delivery of a deleted endpoint never goes to a new endpoint that took the slug, even retried by hand', async () => {
      answers.set('/old-owner', (_req, res) => res.writeHead(500).end());
      const send = await ingestSource(t, 'reuse-src');
      await createEndpoint(t, {
        slug: 'reused',
        url: `${receiver.url}/old-owner`,
        retry: { schedule: ['1h'] },
      });
      await createRule(t, 'reused', 'reused.test', [{ endpoint: 'reused' }]);
      const id = await send({ type: 'reused.test', meant: 'for the old owner' });
      await waitForAction(t, id, (a) => a.status === 'failed');
      expect((await t.api.delete(`${BASE}/rules/reused`)).status).toBe(204);
      expect((await t.api.delete(`${BASE}/endpoints/reused`)).status).toBe(204);
      const gone = await waitForAction(t, id, (a) => a.status === 'dead');
      expect(gone.lastError).toBe('endpoint reused does not exist');
      await createEndpoint(t, { slug: 'reused', url: `${receiver.url}/new-owner` });
      // Its dead letter retried: it finds an endpoint of that slug, just not its own.
      expect((await t.api.post(`${BASE}/actions/${gone.id}/retry`, {})).status).toBe(202);
      const dead = await waitForAction(
        t,
        id,
        (a) => a.status === 'dead' && a.lastError !== 'endpoint reused does not exist',
        15_000,
      );
      expect(dead.lastError).toBe(
        'endpoint reused does not exist: it was deleted, and the endpoint now named reused is another one',
      );
      expect(receiver.requests.filter((r) => r.path === '/new-owner')).toEqual([]);
    });

    it('deleting an endpoint makes a delivery scheduled for a later retry die at once, not at that retry', async () => {
      answers.set('/later', (_req, res) => res.writeHead(500).end());
      const send = await ingestSource(t, 'later-src');
      await createEndpoint(t, { slug: 'later', url: `${receiver.url}/later`, retry: { schedule: ['1h'] } });
      await createRule(t, 'later', 'later.test', [{ endpoint: 'later' }]);
      const id = await send({ type: 'later.test' });
      await waitForAction(t, id, (a) => a.status === 'failed');
      expect((await t.api.delete(`${BASE}/rules/later`)).status).toBe(204);
      expect((await t.api.delete(`${BASE}/endpoints/later`)).status).toBe(204);
      const dead = await waitForAction(t, id, (a) => a.status === 'dead', 10_000);
      expect(dead.lastError).toBe('endpoint later does not exist');
    });

    it('refuses a rule whose webhook target names an endpoint that does not exist', async () => {
      const res = await t.api.post(`${BASE}/rules`, {
        name: 'typo',
        pattern: { type: ['typo.test'] },
        targets: [{ type: 'webhook', endpoint: 'nowhere' }],
      });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        { path: '/targets/0/endpoint', message: 'endpoint nowhere does not exist' },
      ]);
      // A rule whose endpoint was deleted before deletion checked for rules can still be disabled, but not given a
      // target that does not exist.
      await createEndpoint(t, { slug: 'short-lived', url: 'https://example.com/short' });
      await createRule(t, 'short-lived', 'short.test', [{ endpoint: 'short-lived' }]);
      expect((await t.api.delete(`${BASE}/endpoints/short-lived`)).status).toBe(409);
      expect(await t.app.store.endpoints.softDelete('default', 'short-lived', Date.now())).toBe(true);
      const disabled = await t.api.patch(`${BASE}/rules/short-lived`, { enabled: false });
      expect(disabled.status, disabled.text).toBe(200);
      const retargeted = await t.api.patch(`${BASE}/rules/short-lived`, {
        targets: [{ type: 'webhook', endpoint: 'short-lived' }],
      });
      expect(retargeted.status).toBe(400);
    });

    it('loses no change when edits and rotations come at once, and an edit keeps the stored breaker', async () => {
      const created = await t.api.post(`${BASE}/endpoints`, {
        slug: 'busy',
        url: 'https://example.com/busy',
      });
      expect(created.status, created.text).toBe(201);
      const results = await Promise.all([
        t.api.post(`${BASE}/endpoints/busy/rotate-secret`, { graceSeconds: 3600 }),
        t.api.post(`${BASE}/endpoints/busy/rotate-secret`, { graceSeconds: 3600 }),
        t.api.patch(`${BASE}/endpoints/busy`, { description: 'one' }),
        t.api.patch(`${BASE}/endpoints/busy`, { timeoutMs: 5000 }),
      ]);
      for (const r of results) expect(r.status, r.text).toBe(200);
      const after = (await t.api.get(`${BASE}/endpoints/busy`)).body;
      // Both rotations' secrets were shown once, so both must sign: the first secret plus two.
      expect(after.secrets).toHaveLength(3);
      expect(after).toMatchObject({ description: 'one', timeoutMs: 5000 });

      // The worker stores breaker state without moving updatedAt; an edit made from an older read keeps it.
      const record = (await t.app.store.endpoints.get('default', 'busy'))!;
      const breaker = {
        status: 'open',
        consecutiveFailures: 5,
        failingSince: Date.now(),
        openUntil: Date.now() + 60_000,
        trips: 1,
        probeStartedAt: null,
      };
      expect(await t.app.store.endpoints.setState(record.id, { breaker }, Date.now(), record.updatedAt)).toBe(
        true,
      );
      expect((await t.api.patch(`${BASE}/endpoints/busy`, { description: 'two' })).status).toBe(200);
      expect((await t.app.store.endpoints.get('default', 'busy'))?.breaker).toEqual(breaker);
      expect((await t.api.get(`${BASE}/endpoints/busy`)).body.health.state).toBe('circuit_open');
    });

    it('lets members read endpoints but not change them', async () => {
      const key = await t.api.post('/api/orgs/default/api-keys', { name: 'reader', role: 'member' });
      expect(key.status, key.text).toBe(201);
      const member = t.api.as(key.body.key);
      expect((await member.get(`${BASE}/endpoints/given`)).status).toBe(200);
      expect(
        (await member.post(`${BASE}/endpoints`, { slug: 'nope', url: 'https://example.com/' })).status,
      ).toBe(403);
      expect((await member.post(`${BASE}/endpoints/given/rotate-secret`, {})).status).toBe(403);
      expect((await member.post(`${BASE}/endpoints/given/enable`)).status).toBe(403);
    });

    it('never shows the values of credential-looking custom headers, and refuses the mask sent back', async () => {
      const headers = {
        authorization: 'Bearer ENDPOINT-SECRET',
        'x-api-key': 'KEY-SECRET',
        'x-tenant': 'acme',
      };
      const created = await t.api.post(`${BASE}/endpoints`, {
        slug: 'credentialed',
        url: 'https://example.com/hooks',
        headers,
      });
      expect(created.status, created.text).toBe(201);
      const masked = { authorization: '[redacted]', 'x-api-key': '[redacted]', 'x-tenant': 'acme' };
      expect(created.body.headers).toEqual(masked);
      const key = await t.api.post('/api/orgs/default/api-keys', { name: 'peeker', role: 'member' });
      const member = t.api.as(key.body.key);
      const seen = await member.get(`${BASE}/endpoints/credentialed`);
      expect(seen.body.headers).toEqual(masked);
      expect(seen.text).not.toContain('SECRET');
      // The stored values are the real ones (deliveries send them)…
      expect((await t.app.store.endpoints.get('default', 'credentialed'))?.headers).toEqual(headers);
      // …and sending the mask back is refused rather than stored over them.
      const back = await t.api.patch(`${BASE}/endpoints/credentialed`, { headers: masked });
      expect(back.status).toBe(400);
      expect(back.body.errors).toEqual([
        expect.objectContaining({
          path: '/headers/authorization',
          message: expect.stringContaining('placeholder'),
        }),
        expect.objectContaining({ path: '/headers/x-api-key' }),
      ]);
    });
  });
}
