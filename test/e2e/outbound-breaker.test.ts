// Issue 6 §6 with an injected clock: consecutive failures open an endpoint's circuit (deliveries wait without
// using attempts, nothing is lost), a probe after the cool-down closes it again; an endpoint failing for 5 days
// is disabled with endpoint.disabled, and re-enabling it resumes its waiting deliveries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { backendAvailable, BACKENDS, eventually, type TestApp } from '../helpers/app.js';
import {
  BASE,
  createEndpoint,
  createRule,
  getAction,
  type Receiver,
  sleep,
  startOutbound,
  stopOutbound,
  systemEvents,
  waitForAction,
} from '../helpers/outbound.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`circuit breaker — ${backend}`, () => {
    let t: TestApp;
    let receiver: Receiver;
    let send: (data: Record<string, unknown>) => Promise<string>;
    const clock = new ManualClock(Date.now());
    const up = new Map<string, boolean>();

    beforeAll(async () => {
      ({ t, receiver, send } = await startOutbound(
        backend,
        (req, res) => {
          res.writeHead(up.get(req.path) ? 200 : 503).end();
        },
        { clock },
      ));
    });
    afterAll(() => stopOutbound(t, receiver));

    const arrivals = (path: string) => receiver.requests.filter((r) => r.path === path).length;
    const health = async (slug: string) => (await t.api.get(`${BASE}/endpoints/${slug}`)).body.health;

    it('opens after 5 failures in a row, holds deliveries through a growing cool-down, and resumes them all after a good probe', async () => {
      await createEndpoint(t, {
        slug: 'shaky',
        url: `${receiver.url}/shaky`,
        retry: { schedule: ['1s'], maxAttempts: 50 },
      });
      await createRule(t, 'shaky', 'shaky.test', [{ endpoint: 'shaky' }]);
      const ids: string[] = [];
      for (let n = 0; n < 5; n++) ids.push(await send({ type: 'shaky.test', n }));
      await eventually(
        async () => (await health('shaky')).state === 'circuit_open',
        10_000,
        'the circuit to open',
      );
      const opened = await health('shaky');
      expect(opened.consecutiveFailures).toBe(5);
      expect(Date.parse(opened.openUntil) - clock.now()).toBe(1 * MINUTE);
      expect(arrivals('/shaky')).toBe(5);

      // More events while open: they wait (no attempt used), and nothing reaches the receiver during the cool-down.
      for (let n = 5; n < 8; n++) ids.push(await send({ type: 'shaky.test', n }));
      const waiting = await waitForAction(t, ids[7]!, (a) => a.waiting === 'circuit_open');
      expect(waiting).toMatchObject({ status: 'pending', attemptCount: 0, nextAttemptAt: opened.openUntil });
      clock.advance(30_000);
      await sleep(500);
      expect(arrivals('/shaky')).toBe(5);

      // After the cool-down one probe goes out; it fails, and the circuit re-opens for twice as long.
      clock.advance(30_000);
      await eventually(async () => arrivals('/shaky') === 6, 10_000, 'the probe');
      await eventually(async () => (await health('shaky')).state === 'circuit_open');
      const reopened = await health('shaky');
      expect(Date.parse(reopened.openUntil) - clock.now()).toBe(2 * MINUTE);
      await sleep(500);
      expect(arrivals('/shaky')).toBe(6);

      // The receiver recovers: the next probe succeeds, the circuit closes and every waiting delivery goes.
      up.set('/shaky', true);
      clock.advance(2 * MINUTE);
      for (const id of ids)
        await waitForAction(t, id, (a) => a.status === 'succeeded', 10_000, `delivery of ${id}`);
      expect((await health('shaky')).state).toBe('healthy');
      const delivered = new Set(
        receiver.requests
          .filter((r) => r.path === '/shaky' && up.get('/shaky'))
          .map((r) => JSON.parse(r.body.toString()).id),
      );
      for (const id of ids) expect(delivered.has(id)).toBe(true);
      // Waiting never used an attempt: every attempt recorded is a request the receiver got.
      let attempts = 0;
      for (const id of ids) attempts += (await waitForAction(t, id, () => true)).attemptCount;
      expect(attempts).toBe(arrivals('/shaky'));
    });

    it('disables an endpoint failing for 5 days (endpoint.disabled); re-enabling resumes its waiting deliveries', async () => {
      await createEndpoint(t, {
        slug: 'dying',
        url: `${receiver.url}/dying`,
        retry: { schedule: ['1d'], maxAttempts: 20 },
      });
      await createRule(t, 'dying', 'dying.test', [{ endpoint: 'dying' }]);
      const first = await send({ type: 'dying.test', n: 1 });
      await waitForAction(t, first, (a) => a.attemptCount === 1 && a.status === 'failed');
      const started = clock.now();
      // One attempt a day (±10 %): the fifth day's failure disables the endpoint.
      for (
        let day = 1;
        day <= 6 && (await t.api.get(`${BASE}/endpoints/dying`)).body.status === 'active';
        day++
      ) {
        clock.advance(1.2 * DAY);
        await waitForAction(
          t,
          first,
          (a) => a.status !== 'pending' && a.status !== 'in_flight' && a.attemptCount >= day + 1,
          10_000,
          `day ${day}`,
        ).catch(() => undefined);
      }
      const ep = (await t.api.get(`${BASE}/endpoints/dying`)).body;
      expect(ep.status).toBe('disabled');
      expect(ep.disabledReason).toMatch(/^every delivery failed since /);
      expect(clock.now() - started).toBeGreaterThanOrEqual(5 * DAY);
      const events = (await systemEvents(t, 'endpoint.disabled')).filter((e) => e.data.endpoint === 'dying');
      expect(events).toHaveLength(1);
      expect(events[0].data.reason).toBe('failing');

      // Deliveries wait while disabled — the retrying one and a new one — and none is lost.
      const second = await send({ type: 'dying.test', n: 2 });
      await waitForAction(t, second, (a) => a.waiting === 'endpoint_disabled');
      clock.advance(2 * DAY);
      await waitForAction(t, first, (a) => a.waiting === 'endpoint_disabled');
      const before = arrivals('/dying');
      await sleep(500);
      expect(arrivals('/dying')).toBe(before);

      up.set('/dying', true);
      const enabled = await t.api.post(`${BASE}/endpoints/dying/enable`);
      expect(enabled.body).toMatchObject({ status: 'active', disabledReason: null });
      await waitForAction(t, first, (a) => a.status === 'succeeded');
      await waitForAction(t, second, (a) => a.status === 'succeeded');
      expect((await health('dying')).state).toBe('healthy');
    });

    it('a paused endpoint holds deliveries without attempts and resumes them when set active', async () => {
      up.set('/paused', true);
      await createEndpoint(t, { slug: 'paused', url: `${receiver.url}/paused`, status: 'paused' });
      await createRule(t, 'paused', 'paused.test', [{ endpoint: 'paused' }]);
      const id = await send({ type: 'paused.test' });
      await waitForAction(t, id, (a) => a.waiting === 'endpoint_paused' && a.attemptCount === 0);
      expect((await health('paused')).state).toBe('paused');
      expect(arrivals('/paused')).toBe(0);
      expect((await t.api.patch(`${BASE}/endpoints/paused`, { status: 'active' })).status).toBe(200);
      expect((await waitForAction(t, id, (a) => a.status === 'succeeded')).attemptCount).toBe(1);
    });
  });

  describe.skipIf(!available)(`endpoint disabled after EVENTHOOK_ENDPOINT_DISABLE_AFTER — ${backend}`, () => {
    let t: TestApp;
    let receiver: Receiver;
    let send: (data: Record<string, unknown>) => Promise<string>;
    const clock = new ManualClock(Date.now());

    beforeAll(async () => {
      // Always 503. Disabling after 2 days instead of 5; the breaker's cool-downs are kept out of the way so that
      // only the failure streak's length decides.
      ({ t, receiver, send } = await startOutbound(backend, (_req, res) => void res.writeHead(503).end(), {
        clock,
        env: { EVENTHOOK_ENDPOINT_DISABLE_AFTER: '2d', EVENTHOOK_BREAKER_THRESHOLD: '1000' },
      }));
    });
    afterAll(() => stopOutbound(t, receiver));

    it('disables at the first failure 2 days into the streak, not before', async () => {
      await createEndpoint(t, {
        slug: 'short-lived',
        url: `${receiver.url}/short-lived`,
        retry: { schedule: ['12h'], maxAttempts: 20 },
      });
      await createRule(t, 'short-lived', 'short.test', [{ endpoint: 'short-lived' }]);
      const id = await send({ type: 'short.test' });
      // Step the clock to each retry as scheduled (±10 % jitter) and note whether the endpoint was still active.
      const activeAfter: boolean[] = [];
      let action = await waitForAction(t, id, (a) => a.attemptCount === 1 && a.status === 'failed');
      for (let n = 1; n <= 10; n++) {
        const status = (await t.api.get(`${BASE}/endpoints/short-lived`)).body.status;
        activeAfter.push(status === 'active');
        if (status !== 'active') break;
        clock.advance(Date.parse(action.nextAttemptAt) - clock.now());
        action = await waitForAction(
          t,
          id,
          (a) => a.attemptCount === n + 1 && a.status === 'failed',
          10_000,
          `attempt ${n + 1}`,
        );
      }
      const started = (await getAction(t, action.id)).attempts.map((a: { startedAt: string }) =>
        Date.parse(a.startedAt),
      );
      // The endpoint is disabled by exactly the first attempt at or past 2 days after the first failure.
      const disabling = started.findIndex((at: number) => at - started[0]! >= 2 * DAY);
      expect(disabling).toBeGreaterThan(0);
      expect(started).toHaveLength(disabling + 1);
      expect(activeAfter).toEqual([...Array<boolean>(disabling).fill(true), false]);
      expect(started[disabling]! - started[0]!).toBeLessThan(3 * DAY);

      const ep = (await t.api.get(`${BASE}/endpoints/short-lived`)).body;
      expect(ep).toMatchObject({ status: 'disabled', health: { state: 'disabled' } });
      expect(ep.disabledReason).toMatch(/^every delivery failed since /);
      const events = (await systemEvents(t, 'endpoint.disabled')).filter(
        (e) => e.data.endpoint === 'short-lived',
      );
      expect(events).toHaveLength(1);
      expect(events[0].data.reason).toBe('failing');
    });
  });
  describe.skipIf(!available)(`waiting deliveries wake at once — ${backend}`, () => {
    let t: TestApp;
    let receiver: Receiver;
    let send: (data: Record<string, unknown>) => Promise<string>;

    beforeAll(async () => {
      // A sweep that never comes during the test: whatever happens, happens because a change woke the worker.
      ({ t, receiver, send } = await startOutbound(backend, (_req, res) => void res.writeHead(200).end(), {
        env: { EVENTHOOK_SWEEP_INTERVAL: '10m' },
      }));
    });
    afterAll(() => stopOutbound(t, receiver));

    const parked = async (slug: string) => {
      await createEndpoint(t, { slug, url: `${receiver.url}/${slug}`, status: 'paused' });
      await createRule(t, slug, `${slug}.test`, [{ endpoint: slug }]);
      const id = await send({ type: `${slug}.test` });
      await waitForAction(t, id, (a) => a.waiting === 'endpoint_paused');
      return id;
    };

    it('enabling an endpoint delivers what waited for it without waiting for the next sweep', async () => {
      const id = await parked('resumed');
      expect((await t.api.post(`${BASE}/endpoints/resumed/enable`)).status).toBe(200);
      const action = await waitForAction(t, id, (a) => a.status === 'succeeded', 5_000, 'the delivery');
      expect(action.attemptCount).toBe(1);
      expect(receiver.requests.filter((r) => r.path === '/resumed')).toHaveLength(1);
    });

    it('deleting an endpoint ends what waited for it at once, visibly', async () => {
      const id = await parked('removed');
      // The rule goes first: an endpoint a rule delivers to cannot be deleted.
      expect((await t.api.delete(`${BASE}/rules/removed`)).status).toBe(204);
      expect((await t.api.delete(`${BASE}/endpoints/removed`)).status).toBe(204);
      const action = await waitForAction(t, id, (a) => a.status === 'dead', 5_000, 'the action to die');
      expect(action.lastError).toMatch(/endpoint removed does not exist/);
      expect(receiver.requests.filter((r) => r.path === '/removed')).toHaveLength(0);
    });
  });
}
