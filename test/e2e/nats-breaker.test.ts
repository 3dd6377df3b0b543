// EVENTHOOK_BUS=nats with two worker processes: a circuit one worker opens holds the endpoint's deliveries in the
// other at once. Worker B never opens a circuit by itself here (a threshold of 1,000), and its copy of the endpoint
// was made while the endpoint was healthy, so only the announcement can make it hold a delivery back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsBus } from '../../src/bus/adapters/nats/index.js';
import { SUBJECTS, type EndpointAnnouncement } from '../../src/bus/port.js';
import { ManualClock } from '../../src/core/clock.js';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { startReceiver, type Receiver } from '../helpers/outbound.js';
import { natsBusEnv, tcpAvailable } from '../helpers/services.js';

const natsUp = await tcpAvailable('NATS', '127.0.0.1', 4222);
const base = '/api/orgs/default/eventhook';

describe.skipIf(!natsUp)('circuit breakers across worker processes on NATS', () => {
  const bus = natsBusEnv();
  let api: TestApp;
  let workerA: TestApp | undefined;
  let workerB: TestApp;
  // B's clock stands still until the last step, so it cannot claim the retries A schedules.
  const clockB = new ManualClock(Date.now());
  let receiver: Receiver;
  let failing = false;
  const onNats = (t: TestApp, what: string) =>
    eventually(async () => (t.app.bus as NatsBus).state === 'connected' || undefined, 10_000, what);

  beforeAll(async () => {
    receiver = await startReceiver((_req, res) => void res.writeHead(failing ? 500 : 200).end());
    api = await startTestApp('sqlite', { env: { ...bus, EVENTHOOK_ROLE: 'api' } });
    workerB = await startTestApp('sqlite', {
      dataDir: api.dataDir,
      clock: clockB,
      env: { ...bus, EVENTHOOK_ROLE: 'worker', EVENTHOOK_BREAKER_THRESHOLD: '1000' },
    });
    await onNats(api, 'the API process on NATS');
    await onNats(workerB, 'worker B on NATS');
  });
  afterAll(async () => {
    await workerA?.close();
    await workerB?.close();
    await api?.close();
    await receiver?.close();
  });

  const publish = async (n: number) => {
    const published = await api.api.post(`${base}/events`, { type: 'flaky.test', data: { n } });
    expect(published.status, published.text).toBe(200);
    const eventId = published.body.eventId as string;
    return async () => ((await api.api.get(`${base}/events/${eventId}`)).body.actions?.[0] ?? null) as any;
  };
  const arrivals = () => receiver.requests.filter((r) => r.path === '/flaky').length;

  it('a circuit opened by one worker holds the endpoint’s deliveries in another at once', async () => {
    expect(
      (
        await api.api.post(`${base}/endpoints`, {
          slug: 'flaky',
          url: `${receiver.url}/flaky`,
          retry: { schedule: ['200ms'], maxAttempts: 50 },
        })
      ).status,
    ).toBe(201);
    const rule = await api.api.post(`${base}/rules`, {
      name: 'flaky',
      pattern: { type: ['flaky.test'] },
      targets: [{ type: 'webhook', endpoint: 'flaky' }],
    });
    expect(rule.status, rule.text).toBe(201);

    // Worker B alone delivers one message: it now holds the endpoint, with a closed circuit.
    const first = await publish(1);
    await eventually(
      async () => (await first())?.status === 'succeeded' || undefined,
      10_000,
      'B to deliver',
    );

    // Worker A joins; the endpoint fails. A's third failure in a row opens the circuit, and A announces it. A sweeps
    // often: when B takes the first attempt, nothing tells A of the retry B schedules.
    const heard: EndpointAnnouncement[] = [];
    const listening = api.app.bus.subscribe<EndpointAnnouncement>(SUBJECTS.allEndpoints, ({ data }) => {
      heard.push(data);
    });
    workerA = await startTestApp('sqlite', {
      dataDir: api.dataDir,
      env: {
        ...bus,
        EVENTHOOK_ROLE: 'worker',
        EVENTHOOK_BREAKER_THRESHOLD: '3',
        EVENTHOOK_SWEEP_INTERVAL: '200ms',
      },
    });
    await onNats(workerA, 'worker A on NATS');
    failing = true;
    await publish(2);
    await eventually(
      async () => heard.some((h) => h.slug === 'flaky' && h.breakerFrom !== undefined) || undefined,
      10_000,
      'the circuit to open',
    );
    listening.unsubscribe();
    const health = (await api.api.get(`${base}/endpoints/flaky`)).body.health;
    expect(health.state).toBe('circuit_open');

    // Only B is left, its clock now running. A new message waits for the circuit, and nothing more is sent.
    await workerA.close();
    workerA = undefined;
    clockB.set(Date.now());
    const sent = arrivals();
    const third = await publish(3);
    const held = await eventually(
      async () => {
        const action = await third();
        return action?.waiting === 'circuit_open' ? action : undefined;
      },
      10_000,
      'worker B to hold the delivery for the open circuit',
    );
    expect(held.attemptCount).toBe(0);
    expect(arrivals()).toBe(sent);
  });
});
