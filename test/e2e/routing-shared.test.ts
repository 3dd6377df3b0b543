// Two worker processes on one PostgreSQL database divide routing: every event is routed once and acted on once, both
// workers route some (each one's eventhook_events_routed_total), an org with a FIFO endpoint is routed by one of them
// and its lane keeps its order, and what a stopped or killed worker leaves in its share is routed by the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idTime, newId } from '../../src/core/ids.js';
import { backendAvailable, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { metricValue } from '../helpers/ingest.js';
import { natsBusEnv, tcpAvailable } from '../helpers/services.js';
import {
  BASE,
  createEndpoint,
  createRule,
  ingestSource,
  type Receiver,
  type Send,
  startOutbound,
  stopOutbound,
} from '../helpers/outbound.js';

const available = await backendAvailable('postgres');

describe.skipIf(!available)('routing divided among workers — postgres', () => {
  let a: TestApp;
  let b: TestApp | undefined;
  let receiver: Receiver;
  let send: Send;

  const routed = (t: TestApp) => metricValue(t, 'eventhook_events_routed_total', { org: 'default' });
  const alive = (t: TestApp, n: number) =>
    eventually(async () => (await metricValue(t, 'eventhook_workers_alive', {})) === n || undefined);
  /** The `i` of each request the receiver got at `path`, in arrival order. */
  const received = (path: string) =>
    receiver.requests
      .filter((r) => r.path === path)
      .map((r) => (JSON.parse(r.body.toString('utf8')) as { data: { i: number } }).data.i);
  /** Sends `n` events of `type` at once; resolves their ids. */
  const sendMany = (type: string, n: number, from = 0) =>
    Promise.all(Array.from({ length: n }, (_, i) => send({ type, i: from + i })));
  /** Waits until none of `ids` is pending (one read a round), then checks each was routed with one action. */
  const allRouted = async (ids: string[]) => {
    const wanted = new Set(ids);
    await eventually(
      async () => !(await a.app.store.events.listPending(10_000)).some((e) => wanted.has(e.id)) || undefined,
      30_000,
      'every event routed',
    );
    for (const id of ids) {
      const e = await a.api.get(`${BASE}/events/${id}`);
      expect(e.body.status, id).toBe('routed');
      expect(e.body.actions, id).toHaveLength(1);
    }
  };

  beforeAll(async () => {
    ({ t: a, receiver, send } = await startOutbound('postgres'));
    b = await startTestApp('postgres', {
      dataDir: a.dataDir,
      databaseUrl: a.app.config.databaseUrl,
      env: { EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1' },
    });
    await alive(a, 2);
    await alive(b, 2);
    await createEndpoint(a, { slug: 'plain', url: `${receiver.url}/plain` });
    await createRule(a, 'plain', 'plain.test', [{ endpoint: 'plain' }]);
  });
  afterAll(async () => {
    await b?.close();
    await stopOutbound(a, receiver);
  });

  it(
    'routes every event once, with its action once, both workers taking part',
    { timeout: 60_000 },
    async () => {
      const N = 100;
      const ids = await sendMany('plain.test', N);
      await allRouted(ids);
      await eventually(async () => received('/plain').length >= N || undefined, 40_000, 'all delivered');
      expect(received('/plain').sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i));
      // Each commit counts once, in the process that made it: the two add up to the events, and each made some.
      const [byA, byB] = [await routed(a), await routed(b!)];
      expect(byA + byB).toBe(N);
      expect(byA).toBeGreaterThan(N / 5);
      expect(byB).toBeGreaterThan(N / 5);
    },
  );

  it(
    'keeps an org with a FIFO endpoint on one worker, and its lane in order',
    { timeout: 60_000 },
    async () => {
      await createEndpoint(a, { slug: 'lane', url: `${receiver.url}/lane`, ordering: 'fifo' });
      const laneRule = await createRule(a, 'lane', 'lane.test', [{ endpoint: 'lane' }]);
      const before = [await routed(a), await routed(b!)];
      const N = 60;
      // In bursts, so routing passes of both workers overlap with events still arriving.
      const ids: string[] = [];
      for (let burst = 0; burst < 4; burst++)
        ids.push(...(await sendMany('lane.test', N / 4, (burst * N) / 4)));
      await allRouted(ids);
      await eventually(async () => received('/lane').length >= N || undefined, 40_000, 'the lane delivered');
      // Sent in bursts at once, the events' order is their ids' (the order ingest committed them in).
      const byId = ids.map((id, i) => ({ id, i })).sort((x, y) => (x.id < y.id ? -1 : 1));
      expect(received('/lane')).toEqual(byId.map((x) => x.i));
      const grew = [(await routed(a)) - before[0]!, (await routed(b!)) - before[1]!];
      expect(grew.sort()).toEqual([0, N]);
      // Without a FIFO endpoint the org is divided by event again (the next test counts on it).
      expect((await a.api.delete(`${BASE}/rules/${laneRule.id}`)).status).toBe(204);
      expect((await a.api.delete(`${BASE}/endpoints/lane`)).status).toBe(204);
    },
  );

  it('routes what a killed worker left in its share once the others stop counting it', async () => {
    // A worker that beat once and died without leaving, as a killed process does: until it drops out of the window
    // (5 s here), half of the events are its share and wait.
    const ghost = newId('worker');
    await a.app.store.workers.beat(ghost, Date.now());
    await alive(a, 3);
    await b!.close();
    b = undefined;
    await alive(a, 2);
    const before = await routed(a);
    // Beaten again just before the events go in: closing the other worker can take seconds on a busy machine, and a
    // ghost already out of the window would leave no share to wait (all 40 routed at once).
    await a.app.store.workers.beat(ghost, Date.now());
    const ids = await sendMany('plain.test', 40);
    // This worker's own share goes at the doorbell; the ghost's stays pending until it drops out of the window.
    const meanwhile = await eventually(
      async () => (await routed(a)) - before,
      5_000,
      'this worker to route its own share',
    );
    expect(meanwhile).toBeGreaterThan(0);
    expect(meanwhile).toBeLessThan(40);
    await allRouted(ids);
    expect((await routed(a)) - before).toBe(40);
  });

  it('routes alone once the other worker has left', async () => {
    await alive(a, 1);
    const before = await routed(a);
    const ids = await sendMany('plain.test', 40);
    await allRouted(ids);
    expect((await routed(a)) - before).toBe(40);
  });
});

const natsUp = await tcpAvailable('NATS', '127.0.0.1', 4222);

// With the NATS bus every worker hears every commit (no queue group): an event of another worker's share is routed
// by that worker at once, not at its next sweep. Sweeps every 10 s here; every event must be routed well within that.
describe.skipIf(!available || !natsUp)('routing divided among workers, rung by NATS — postgres', () => {
  let api: TestApp;
  const workers: TestApp[] = [];
  let send: Send;

  beforeAll(async () => {
    const env = { ...natsBusEnv(), EVENTHOOK_SWEEP_INTERVAL: '10s' };
    api = await startTestApp('postgres', { env: { ...env, EVENTHOOK_ROLE: 'api' } });
    for (let i = 0; i < 2; i++)
      workers.push(
        await startTestApp('postgres', {
          dataDir: api.dataDir,
          databaseUrl: api.app.config.databaseUrl,
          // Role all: a worker alone serves no HTTP, and its metrics are what the test reads.
          env: { ...env, EVENTHOOK_ROLE: 'all' },
        }),
      );
    // The first counts the second at its next heartbeat (a sweep interval).
    for (const w of workers)
      await eventually(
        async () => (await metricValue(w, 'eventhook_workers_alive', {})) === 2 || undefined,
        15_000,
        'both workers counted',
      );
    const rule = await api.api.post(`${BASE}/rules`, {
      name: 'packing',
      pattern: { type: ['order.placed'] },
      targets: [{ type: 'task', kind: 'pack' }],
    });
    expect(rule.status).toBe(201);
    send = await ingestSource(api);
  }, 30_000);
  afterAll(async () => {
    for (const w of workers) await w.close();
    await api?.close();
  });

  it('routes every event within a moment of its commit, both workers taking part', async () => {
    const { sweepIntervalMs } = workers[0]!.app.config;
    const byWorker = () =>
      Promise.all(workers.map((w) => metricValue(w, 'eventhook_events_routed_total', {})));
    for (let round = 0; round < 3; round++) {
      const before = await byWorker();
      const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => send({ type: 'order.placed', i })));
      const lags = await eventually(
        async () => {
          const lag: number[] = [];
          for (const id of ids) {
            const e = (await api.api.get(`${BASE}/events/${id}`)).body;
            if (e.status !== 'routed') return undefined;
            lag.push(Date.parse(e.routedAt) - idTime(id));
          }
          return lag;
        },
        15_000,
        'the round routed',
      );
      // A missed doorbell leaves an event to its worker's next sweep, up to a whole interval away. A third of one is
      // slack for a loaded machine, and a round left to the two workers' sweeps still exceeds it eight times in nine.
      expect(Math.max(...lags)).toBeLessThan(sweepIntervalMs / 3);
      const grew = (await byWorker()).map((n, i) => n - before[i]!);
      expect(grew[0]! + grew[1]!).toBe(20);
      expect(grew[0]).toBeGreaterThan(0);
      expect(grew[1]).toBeGreaterThan(0);
    }
  });
});
