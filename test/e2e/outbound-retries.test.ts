// Issue 6 §4–5 with an injected clock: attempts on the retry schedule, Retry-After, 410 Gone, abort-message, the
// dead letter after the last attempt (with delivery.dead), and bulk retry of an endpoint's dead-letter queue.
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { backendAvailable, BACKENDS, eventually, type TestApp } from '../helpers/app.js';
import {
  BASE,
  createEndpoint,
  createRule,
  getAction,
  type ReceivedRequest,
  type Receiver,
  startOutbound,
  stopOutbound,
  systemEvents,
  waitForAction,
} from '../helpers/outbound.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`outbound retries and dead letters — ${backend}`, () => {
    let t: TestApp;
    let receiver: Receiver;
    let send: (data: Record<string, unknown>) => Promise<string>;
    const clock = new ManualClock(Date.now());
    /** Per path: how the receiver answers its n-th request (0-based). */
    const behaviour = new Map<string, (n: number, req: ReceivedRequest, res: ServerResponse) => void>();

    beforeAll(async () => {
      // The breaker has its own tests; here it must not pause the endpoints these tests make fail.
      ({ t, receiver, send } = await startOutbound(
        backend,
        (req, res) => {
          const n = receiver.requests.filter((r) => r.path === req.path).length - 1;
          const answer = behaviour.get(req.path);
          if (answer) answer(n, req, res);
          else res.writeHead(200).end('ok');
        },
        {
          clock,
          env: { EVENTHOOK_BREAKER_THRESHOLD: '1000' },
        },
      ));
    });
    afterAll(() => stopOutbound(t, receiver));

    const arrivals = (path: string) => receiver.requests.filter((r) => r.path === path);
    /** Moves the test clock and waits for the action to reach `attempts` attempts in a settled state. */
    const settledAfter = async (eventId: string, attempts: number) =>
      waitForAction(
        t,
        eventId,
        (a) => a.attemptCount === attempts && a.status !== 'in_flight' && a.status !== 'pending',
        10_000,
        `attempt ${attempts}`,
      );

    it('retries a failing receiver on the default schedule (±10 % jitter) with one webhook-id, recording every attempt', async () => {
      behaviour.set('/flaky', (n, _req, res) =>
        n < 3 ? res.writeHead(500, { 'x-why': 'down' }).end(`boom ${n}`) : res.writeHead(200).end('ok'),
      );
      await createEndpoint(t, { slug: 'flaky', url: `${receiver.url}/flaky` });
      await createRule(t, 'flaky', 'flaky.test', [{ endpoint: 'flaky' }]);
      const eventId = await send({ type: 'flaky.test' });

      const expected = [5 * SECOND, 5 * MINUTE, 30 * MINUTE];
      for (let i = 0; i < expected.length; i++) {
        const a = await settledAfter(eventId, i + 1);
        expect(a.status).toBe('failed');
        const detail = await getAction(t, a.id);
        const last = detail.attempts.at(-1);
        const wait = Date.parse(a.nextAttemptAt) - Date.parse(last.startedAt);
        expect(wait).toBeGreaterThanOrEqual(expected[i]! * 0.9);
        expect(wait).toBeLessThanOrEqual(expected[i]! * 1.1);
        // Nothing goes out before the wait is over.
        clock.advance(wait - 10);
        await new Promise((r) => setTimeout(r, 450));
        expect(arrivals('/flaky')).toHaveLength(i + 1);
        clock.advance(10);
      }
      const done = await waitForAction(t, eventId, (a) => a.status === 'succeeded');
      expect(done.attemptCount).toBe(4);
      const detail = await getAction(t, done.id);
      expect(detail.attempts.map((x: { outcome: string }) => x.outcome)).toEqual([
        'failed',
        'failed',
        'failed',
        'succeeded',
      ]);
      expect(detail.attempts.map((x: { statusCode: number }) => x.statusCode)).toEqual([500, 500, 500, 200]);
      expect(detail.attempts[1]).toMatchObject({
        number: 2,
        responseBody: 'boom 1',
        error: 'the endpoint answered 500',
      });
      expect(detail.attempts[1].responseHeaders['x-why']).toBe('down');
      const got = arrivals('/flaky');
      expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
      // A fresh timestamp per attempt, from the (test) clock.
      const stamps = got.map((r) => Number(r.headers['webhook-timestamp']));
      expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
      expect(stamps[3]! - stamps[0]!).toBeGreaterThanOrEqual(
        Math.floor(((5 * SECOND + 5 * MINUTE + 30 * MINUTE) * 0.9) / 1000),
      );
    });

    it('honours Retry-After when it asks for longer than the schedule, up to the 1 h cap', async () => {
      behaviour.set('/busy', (n, _req, res) =>
        n === 0
          ? res.writeHead(429, { 'retry-after': '120' }).end()
          : n === 1
            ? res.writeHead(503, { 'retry-after': '86400' }).end()
            : res.writeHead(200).end(),
      );
      await createEndpoint(t, { slug: 'busy', url: `${receiver.url}/busy` });
      await createRule(t, 'busy', 'busy.test', [{ endpoint: 'busy' }]);
      const eventId = await send({ type: 'busy.test' });
      const first = await settledAfter(eventId, 1);
      let detail = await getAction(t, first.id);
      expect(Date.parse(first.nextAttemptAt) - Date.parse(detail.attempts[0].startedAt)).toBe(120 * SECOND);
      clock.advance(120 * SECOND);
      const second = await settledAfter(eventId, 2);
      detail = await getAction(t, second.id);
      expect(Date.parse(second.nextAttemptAt) - Date.parse(detail.attempts[1].startedAt)).toBe(60 * MINUTE);
      clock.advance(60 * MINUTE);
      await waitForAction(t, eventId, (a) => a.status === 'succeeded');
    });

    it('times out an attempt the receiver never answers after the endpoint’s timeoutMs, records it, and retries it', async () => {
      // The first request is left unanswered for good; the retry is answered at once.
      const unanswered: ServerResponse[] = [];
      behaviour.set('/silent', (n, _req, res) =>
        n === 0 ? unanswered.push(res) : res.writeHead(200).end('ok'),
      );
      await createEndpoint(t, { slug: 'silent', url: `${receiver.url}/silent`, timeoutMs: 300 });
      await createRule(t, 'silent', 'silent.test', [{ endpoint: 'silent' }]);
      const eventId = await send({ type: 'silent.test' });
      const first = await settledAfter(eventId, 1);
      expect(first).toMatchObject({
        status: 'failed',
        lastError: 'timeout: no complete answer within 300 ms',
      });
      // Still unanswered: the attempt ended on Eventhook's deadline, not on anything the receiver did.
      expect(unanswered).toHaveLength(1);
      expect(unanswered[0]!.writableEnded).toBe(false);
      const detail = await getAction(t, first.id);
      expect(detail.attempts).toHaveLength(1);
      expect(detail.attempts[0]).toMatchObject({
        number: 1,
        outcome: 'failed',
        statusCode: null,
        responseBody: null,
        error: 'timeout: no complete answer within 300 ms',
      });
      // Measured on the real clock: about the timeout, far below the 15 s default.
      expect(detail.attempts[0].latencyMs).toBeGreaterThanOrEqual(290);
      expect(detail.attempts[0].latencyMs).toBeLessThan(3000);
      const wait = Date.parse(first.nextAttemptAt) - Date.parse(detail.attempts[0].startedAt);
      expect(wait).toBeGreaterThanOrEqual(5 * SECOND * 0.9);
      expect(wait).toBeLessThanOrEqual(5 * SECOND * 1.1);
      await new Promise((r) => setTimeout(r, 450));
      expect(arrivals('/silent')).toHaveLength(1);

      clock.advance(wait);
      const done = await waitForAction(t, eventId, (a) => a.status === 'succeeded');
      expect(done.attemptCount).toBe(2);
      const got = arrivals('/silent');
      expect(got).toHaveLength(2);
      expect(got[1]!.headers['webhook-id']).toBe(got[0]!.headers['webhook-id']);
      for (const res of unanswered) res.destroy();
    });

    it('410 Gone kills the action, disables the endpoint (endpoint.disabled) and parks its later deliveries until re-enabled', async () => {
      behaviour.set('/gone', (n, _req, res) =>
        n === 0 ? res.writeHead(410).end('gone') : res.writeHead(200).end(),
      );
      await createEndpoint(t, { slug: 'gone', url: `${receiver.url}/gone` });
      await createRule(t, 'gone', 'gone.test', [{ endpoint: 'gone' }]);
      const first = await send({ type: 'gone.test', n: 1 });
      const dead = await waitForAction(t, first, (a) => a.status === 'dead');
      expect(dead.attemptCount).toBe(1);
      const ep = await t.api.get(`${BASE}/endpoints/gone`);
      expect(ep.body).toMatchObject({ status: 'disabled', disabledReason: 'the endpoint answered 410 Gone' });
      expect(ep.body.health.state).toBe('disabled');
      const disabled = (await systemEvents(t, 'endpoint.disabled')).filter((e) => e.data.endpoint === 'gone');
      expect(disabled).toHaveLength(1);
      expect(disabled[0].data).toMatchObject({ reason: 'gone', url: `${receiver.url}/gone` });
      const deadEvents = (await systemEvents(t, 'delivery.dead')).filter((e) => e.data.actionId === dead.id);
      expect(deadEvents[0].data).toMatchObject({
        reason: 'gone',
        statusCode: 410,
        endpoint: 'gone',
        eventId: first,
      });

      const second = await send({ type: 'gone.test', n: 2 });
      const parked = await waitForAction(t, second, (a) => a.waiting === 'endpoint_disabled');
      expect(parked).toMatchObject({ status: 'pending', attemptCount: 0, nextAttemptAt: null });
      clock.advance(24 * 60 * MINUTE);
      await new Promise((r) => setTimeout(r, 450));
      expect(arrivals('/gone')).toHaveLength(1);

      expect((await t.api.post(`${BASE}/endpoints/gone/enable`)).body.status).toBe('active');
      const delivered = await waitForAction(t, second, (a) => a.status === 'succeeded');
      expect(delivered.attemptCount).toBe(1);
      expect(JSON.parse(arrivals('/gone')[1]!.body.toString()).data).toEqual({ type: 'gone.test', n: 2 });
    });

    it('a webhook-delivery: abort-message answer stops the retries at once; the endpoint stays active', async () => {
      behaviour.set('/abort', (_n, _req, res) =>
        res.writeHead(400, { 'webhook-delivery': 'abort-message' }).end('never'),
      );
      await createEndpoint(t, { slug: 'abort', url: `${receiver.url}/abort` });
      await createRule(t, 'abort', 'abort.test', [{ endpoint: 'abort' }]);
      const eventId = await send({ type: 'abort.test' });
      const dead = await waitForAction(t, eventId, (a) => a.status === 'dead');
      expect(dead.attemptCount).toBe(1);
      expect((await getAction(t, dead.id)).attempts[0]).toMatchObject({
        outcome: 'aborted',
        statusCode: 400,
      });
      expect((await t.api.get(`${BASE}/endpoints/abort`)).body.status).toBe('active');
      const events = (await systemEvents(t, 'delivery.dead')).filter((e) => e.data.actionId === dead.id);
      expect(events[0].data.reason).toBe('aborted');
    });

    it('dead-letters after the last attempt, lists the DLQ per endpoint, and retries it in bulk with the same webhook-ids', async () => {
      let healthy = false;
      behaviour.set('/dlq', (_n, _req, res) =>
        healthy ? res.writeHead(200).end() : res.writeHead(502).end('bad gateway'),
      );
      await createEndpoint(t, { slug: 'dlq', url: `${receiver.url}/dlq`, retry: { schedule: ['1s', '2s'] } });
      await createRule(t, 'dlq', 'dlq.test', [{ endpoint: 'dlq' }]);
      const ids = [
        await send({ type: 'dlq.test', n: 1 }),
        await send({ type: 'dlq.test', n: 2 }),
        await send({ type: 'dlq.test', n: 3 }),
      ];
      for (const id of ids) await settledAfter(id, 1);
      clock.advance(1100);
      for (const id of ids) await settledAfter(id, 2);
      clock.advance(2200);
      const dead = [];
      for (const id of ids) dead.push(await waitForAction(t, id, (a) => a.status === 'dead'));
      expect(dead.map((a) => a.attemptCount)).toEqual([3, 3, 3]);
      expect(dead[0].maxAttempts).toBe(3);

      const events = (await systemEvents(t, 'delivery.dead')).filter((e) => e.data.endpoint === 'dlq');
      expect(events.map((e) => e.data.eventId).sort()).toEqual([...ids].sort());
      expect(events[0].data).toMatchObject({
        reason: 'exhausted',
        attemptCount: 3,
        attempts: 3,
        statusCode: 502,
      });

      const dlq = await t.api.get(`${BASE}/actions?status=dead&endpoint=dlq`);
      expect(dlq.status).toBe(200);
      expect(dlq.body.items.map((a: { eventId: string }) => a.eventId).sort()).toEqual([...ids].sort());
      expect((await t.api.get(`${BASE}/actions?status=dead&endpoint=abort`)).body.items).toHaveLength(1);
      expect((await t.api.get(`${BASE}/endpoints/dlq`)).body.health.queue).toMatchObject({
        dead: 3,
        depth: 0,
      });

      healthy = true;
      const before = new Set(arrivals('/dlq').map((r) => r.headers['webhook-id']));
      const retried = await t.api.post(`${BASE}/actions/retry`, { filter: { endpoint: 'dlq' } });
      expect(retried.body).toMatchObject({ count: 3, dryRun: false });
      for (const id of ids)
        expect((await waitForAction(t, id, (a) => a.status === 'succeeded')).attemptCount).toBe(4);
      const after = arrivals('/dlq')
        .slice(-3)
        .map((r) => r.headers['webhook-id']);
      expect(new Set(after)).toEqual(before);
      expect((await t.api.get(`${BASE}/actions?status=dead&endpoint=dlq`)).body.items).toHaveLength(0);
    });

    it('uses the rule target’s retry policy over the endpoint’s', async () => {
      behaviour.set('/override', (_n, _req, res) => res.writeHead(500).end());
      await createEndpoint(t, {
        slug: 'override',
        url: `${receiver.url}/override`,
        retry: { schedule: ['1h'], maxAttempts: 5 },
      });
      await createRule(t, 'override', 'override.test', [
        { endpoint: 'override', retry: { schedule: ['7s'], maxAttempts: 2 } },
      ]);
      const eventId = await send({ type: 'override.test' });
      const first = await settledAfter(eventId, 1);
      expect(first.maxAttempts).toBe(2);
      const detail = await getAction(t, first.id);
      const wait = Date.parse(first.nextAttemptAt) - Date.parse(detail.attempts[0].startedAt);
      expect(wait).toBeGreaterThanOrEqual(6300);
      expect(wait).toBeLessThanOrEqual(7700);
      clock.advance(wait);
      await eventually(
        async () => (await waitForAction(t, eventId, (a) => a.status === 'dead')).attemptCount === 2,
      );
    });
  });

  describe.skipIf(!available)(`Retry-After cap set by EVENTHOOK_RETRY_AFTER_CAP — ${backend}`, () => {
    let t: TestApp;
    let receiver: Receiver;
    let send: (data: Record<string, unknown>) => Promise<string>;
    const clock = new ManualClock(Date.now());

    beforeAll(async () => {
      // Retry-After 1 h, then 7 min, then success; the cap is lowered from its 1 h default to 10 min.
      ({ t, receiver, send } = await startOutbound(
        backend,
        (_req, res) => {
          const n = receiver.requests.length - 1;
          if (n === 0) res.writeHead(503, { 'retry-after': '3600' }).end();
          else if (n === 1) res.writeHead(429, { 'retry-after': '420' }).end();
          else res.writeHead(200).end();
        },
        { clock, env: { EVENTHOOK_RETRY_AFTER_CAP: '10m' } },
      ));
    });
    afterAll(() => stopOutbound(t, receiver));

    it('cuts a longer Retry-After to the configured cap and keeps a shorter one as asked', async () => {
      await createEndpoint(t, { slug: 'capped', url: `${receiver.url}/capped` });
      await createRule(t, 'capped', 'capped.test', [{ endpoint: 'capped' }]);
      const eventId = await send({ type: 'capped.test' });
      const waitAfter = async (attempts: number) => {
        const a = await waitForAction(
          t,
          eventId,
          (x) => x.attemptCount === attempts && x.status === 'failed',
          10_000,
          `attempt ${attempts}`,
        );
        const started = (await getAction(t, a.id)).attempts[attempts - 1].startedAt;
        return Date.parse(a.nextAttemptAt) - Date.parse(started);
      };
      // With the default cap this wait would be the full hour (the test above shows 1 h honoured).
      expect(await waitAfter(1)).toBe(10 * MINUTE);
      clock.advance(10 * MINUTE);
      // Below the cap and longer than the scheduled 5 min (±10 %): exactly what was asked.
      expect(await waitAfter(2)).toBe(7 * MINUTE);
      clock.advance(7 * MINUTE);
      expect((await waitForAction(t, eventId, (a) => a.status === 'succeeded')).attemptCount).toBe(3);
    });
  });
}
