// SPEC §10 "queue depth": the backlog gauges an operator alerts on, read from the store at scrape time. An API-only
// process serves /metrics while a worker process on the same database comes and goes, so the gauges show work other
// processes left — events not routed, deliveries held, scheduled, due, dead — and go back down as it drains.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { metricValue } from '../helpers/ingest.js';
import { holdWriteLock } from '../helpers/write-lock.js';
import {
  BASE,
  createEndpoint,
  createRule,
  ingestSource,
  type Receiver,
  type Send,
  startReceiver,
  waitForAction,
} from '../helpers/outbound.js';

const HELD = 3;

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`backlog gauges — ${backend}`, () => {
    let api: TestApp;
    let receiver: Receiver;
    let send: Send;
    const gauges = async () => ({
      unrouted: await metricValue(api, 'eventhook_events_unrouted', {}),
      due: await metricValue(api, 'eventhook_actions_waiting', { status: 'due' }),
      scheduled: await metricValue(api, 'eventhook_actions_waiting', { status: 'scheduled' }),
      held: await metricValue(api, 'eventhook_actions_waiting', { status: 'held' }),
      dead: await metricValue(api, 'eventhook_actions_dead', {}),
      oldestDue: await metricValue(api, 'eventhook_actions_oldest_due_seconds', {}),
    });
    /** A process that routes and delivers, on the API process's database. */
    const startWorker = () =>
      startTestApp(backend, {
        dataDir: api.dataDir,
        ...(backend === 'postgres' ? { databaseUrl: api.app.config.databaseUrl } : {}),
        env: { EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1', EVENTHOOK_SWEEP_INTERVAL: '20ms' },
      });

    beforeAll(async () => {
      // /abort refuses the message for good, /fail asks for a retry; the rest is accepted.
      receiver = await startReceiver((req, res) => {
        if (req.path === '/abort') res.writeHead(400, { 'webhook-delivery': 'abort-message' }).end();
        else if (req.path === '/fail') res.writeHead(500).end();
        else res.writeHead(200).end();
      });
      api = await startTestApp(backend, {
        env: { EVENTHOOK_ROLE: 'api', EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1' },
      });
      send = await ingestSource(api);
    });
    afterAll(async () => {
      await api?.close();
      await receiver?.close();
    });

    it('show the work waiting in the store, and drain with it', async () => {
      await createEndpoint(api, { slug: 'held', url: `${receiver.url}/held`, status: 'paused' });
      await createEndpoint(api, { slug: 'refusing', url: `${receiver.url}/abort` });
      await createEndpoint(api, { slug: 'later', url: `${receiver.url}/fail`, retry: { schedule: ['1h'] } });
      await createRule(api, 'held', 'backlog.held', [{ endpoint: 'held' }]);
      await createRule(api, 'refusing', 'backlog.refused', [{ endpoint: 'refusing' }]);
      await createRule(api, 'later', 'backlog.later', [{ endpoint: 'later' }]);
      expect(await gauges()).toEqual({ unrouted: 0, due: 0, scheduled: 0, held: 0, dead: 0, oldestDue: 0 });

      // No worker yet: the events wait for routing.
      for (let i = 0; i < HELD; i++) await send({ type: 'backlog.held', i });
      const refused = await send({ type: 'backlog.refused' });
      const later = await send({ type: 'backlog.later' });
      expect((await gauges()).unrouted).toBe(HELD + 2);

      // A worker routes them: the paused endpoint's deliveries are held, one dies, one waits an hour for its retry.
      let worker = await startWorker();
      try {
        await waitForAction(api, refused, (a) => a.status === 'dead');
        await waitForAction(api, later, (a) => a.status === 'failed' && a.attemptCount === 1);
        const expected = { unrouted: 0, due: 0, scheduled: 1, held: HELD, dead: 1, oldestDue: 0 };
        await eventually(
          async () => {
            const g = await gauges();
            return JSON.stringify(g) === JSON.stringify(expected) ? g : undefined;
          },
          15_000,
          'the backlog routed and parked',
        );
      } finally {
        await worker.close();
      }

      // Enabled while no worker runs, the held deliveries fall due and age.
      const enabled = await api.api.post(`${BASE}/endpoints/held/enable`, {});
      expect(enabled.status, enabled.text).toBe(200);
      await eventually(async () => ((await gauges()).oldestDue > 0 ? true : undefined));
      expect(await gauges()).toMatchObject({ due: HELD, held: 0, scheduled: 1, dead: 1 });

      // A worker delivers them: nothing is due any more.
      worker = await startWorker();
      try {
        await eventually(
          async () => receiver.requests.filter((r) => r.path === '/held').length >= HELD || undefined,
          15_000,
          'the held deliveries',
        );
        await eventually(async () => ((await gauges()).due === 0 ? true : undefined));
        expect(await gauges()).toEqual({ unrouted: 0, due: 0, scheduled: 1, held: 0, dead: 1, oldestDue: 0 });
      } finally {
        await worker.close();
      }
    });

    it.skipIf(backend !== 'postgres')('a store that does not answer leaves /metrics answering', async () => {
      const before = await gauges();
      expect(before.dead).toBe(1);
      // Another session holds the actions table: the gauges' read waits behind its lock.
      const release = await holdWriteLock('postgres', api.app.config.databaseUrl, ['actions'], {
        reads: true,
      });
      try {
        const started = Date.now();
        const res = await fetch(`${api.url}/metrics`, {
          headers: { authorization: `Bearer ${api.api.token}` },
        });
        const text = await res.text();
        expect(res.status).toBe(200);
        expect(Date.now() - started).toBeLessThan(5_000);
        // The last values read, and every other metric.
        expect(text).toMatch(/^eventhook_actions_dead 1$/m);
        expect(text).toMatch(/^eventhook_ingest_backlog_bytes 0$/m);
      } finally {
        await release();
      }
      expect(await gauges()).toEqual(before);
    });

    it.skipIf(backend !== 'postgres')(
      'waits for the store as long as EVENTHOOK_METRICS_STORE_TIMEOUT says',
      async () => {
        // Another API process on the database, with a bound well below the default 2 s.
        const quick = await startTestApp(backend, {
          dataDir: api.dataDir,
          databaseUrl: api.app.config.databaseUrl,
          env: { EVENTHOOK_ROLE: 'api', EVENTHOOK_METRICS_STORE_TIMEOUT: '300ms' },
        });
        let release: (() => Promise<void>) | undefined;
        try {
          const dead = await metricValue(quick, 'eventhook_actions_dead', {});
          release = await holdWriteLock('postgres', api.app.config.databaseUrl, ['actions'], { reads: true });
          const started = Date.now();
          expect(await metricValue(quick, 'eventhook_actions_dead', {})).toBe(dead);
          const waited = Date.now() - started;
          expect(waited).toBeGreaterThanOrEqual(250);
          expect(waited).toBeLessThan(1_500);
        } finally {
          await release?.();
          await quick.close();
        }
      },
    );
  });
}
