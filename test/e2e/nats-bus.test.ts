// EVENTHOOK_BUS=nats: an API process and a worker process on one database hear each other at once. The sweep
// interval is a minute here, so only the bus can explain routing within seconds, the API's live stream showing
// an action the worker settled, deliveries resuming as soon as the API process re-enables their endpoint, and a dead
// delivery retried or an event replayed through the API process going at once, and a source's new secret taken at
// once by another process serving ingest.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsBus } from '../../src/bus/adapters/nats/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { deliver, githubPushHeaders } from '../helpers/ingest.js';
import { capturedLogger } from '../helpers/logs.js';
import { startReceiver, type Receiver } from '../helpers/outbound.js';
import { natsBusEnv, tcpAvailable } from '../helpers/services.js';
import { readFrames } from '../helpers/sse.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const natsUp = await tcpAvailable('NATS', '127.0.0.1', 4222);
const base = '/api/orgs/default/eventhook';

describe.skipIf(!natsUp)('the NATS bus across processes', () => {
  let api: TestApp;
  let worker: TestApp;
  const bus = natsBusEnv();
  let receiver: Receiver;
  /** Paths the receiver answers 500. */
  const failing = new Set<string>();

  beforeAll(async () => {
    receiver = await startReceiver((req, res) => void res.writeHead(failing.has(req.path) ? 500 : 200).end());
    api = await startTestApp('sqlite', { env: { ...bus, EVENTHOOK_ROLE: 'api' } });
    worker = await startTestApp('sqlite', {
      dataDir: api.dataDir,
      env: { ...bus, EVENTHOOK_ROLE: 'worker' },
    });
    await eventually(
      async () => [api, worker].every((t) => (t.app.bus as NatsBus).state === 'connected') || undefined,
      10_000,
      'both processes on NATS',
    );
    const ready = await (await fetch(`${api.url}/readyz`)).json();
    expect(ready).toMatchObject({ status: 'ready', checks: { bus: 'ok' } });
    const rule = await api.api.post(`${base}/rules`, {
      name: 'orders',
      pattern: { type: ['order.placed'] },
      targets: [{ type: 'task', kind: 'pack' }],
    });
    expect(rule.status).toBe(201);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await receiver?.close();
  });

  it('an event taken by the API process is routed by the worker at once, and the API streams the outcome', async () => {
    const stream = await fetch(`${api.url}${base}/stream?actions=true`, {
      headers: { authorization: `Bearer ${api.api.token}` },
    });
    expect(stream.status).toBe(200);
    const frames = readFrames(stream, 'action', 1);
    await new Promise((r) => setTimeout(r, 50));
    const published = await api.api.post(`${base}/events`, { type: 'order.placed', data: { order: 7 } });
    expect(published.status).toBe(200);
    // The worker's router, woken by the bus, routes it and runs the task action, whose outcome comes back.
    const got = await frames;
    expect(got[0]!.data).toMatchObject({
      eventId: published.body.eventId,
      targetType: 'task',
      ruleName: 'orders',
    });
    const tasks = await api.api.get(`${base}/engine/tasks?kind=pack`);
    expect(tasks.body.items).toHaveLength(1);
  });

  it('a rule the API process just made applies to the next event the worker routes', async () => {
    // The worker has the org's rules in its cache since the first test.
    const rule = await api.api.post(`${base}/rules`, {
      name: 'returns',
      pattern: { type: ['order.returned'] },
      targets: [{ type: 'task', kind: 'restock' }],
    });
    expect(rule.status, rule.text).toBe(201);
    const published = await api.api.post(`${base}/events`, { type: 'order.returned', data: { order: 9 } });
    const event = await eventually(
      async () => {
        const e = (await api.api.get(`${base}/events/${published.body.eventId}`)).body;
        return e.status === 'pending' ? undefined : e;
      },
      10_000,
      'the event to be routed',
    );
    expect(event.status).toBe('routed');
    expect(event.actions.map((a: { ruleName: string }) => a.ruleName)).toEqual(['returns']);
  });

  /**
   * Through the API process: an endpoint `slug` on the receiver (with `settings`), a rule sending `slug.test` events to
   * it, and one such event. Returns a reader of the event's actions (its id as `eventId`).
   */
  const publishTo = async (slug: string, settings: Record<string, unknown>) => {
    const endpoint = await api.api.post(`${base}/endpoints`, {
      slug,
      url: `${receiver.url}/${slug}`,
      ...settings,
    });
    expect(endpoint.status, endpoint.text).toBe(201);
    const rule = await api.api.post(`${base}/rules`, {
      name: slug,
      pattern: { type: [`${slug}.test`] },
      targets: [{ type: 'webhook', endpoint: slug }],
    });
    expect(rule.status, rule.text).toBe(201);
    const published = await api.api.post(`${base}/events`, { type: `${slug}.test`, data: { n: 1 } });
    expect(published.status, published.text).toBe(200);
    const eventId = published.body.eventId as string;
    const read = async () => ((await api.api.get(`${base}/events/${eventId}`)).body.actions ?? []) as any[];
    return Object.assign(read, { eventId });
  };

  it('deliveries waiting for a paused endpoint go as soon as the API process enables it', async () => {
    const action = await publishTo('billing', { status: 'paused' });
    // The worker routed it and parked it behind the paused endpoint, its copy of which it now holds.
    await eventually(
      async () => ((await action())?.[0]?.waiting === 'endpoint_paused' ? true : undefined),
      10_000,
      'the delivery to wait for the endpoint',
    );
    expect((await api.api.post(`${base}/endpoints/billing/enable`)).status).toBe(200);
    // Within seconds, with a minute's sweep: the worker heard of the change on the bus.
    await eventually(
      async () => ((await action())?.[0]?.status === 'succeeded' ? true : undefined),
      5_000,
      'the delivery after the enable',
    );
    expect(receiver.requests.filter((r) => r.path === '/billing')).toHaveLength(1);
  });

  it('a dead delivery retried, and an event replayed, through the API process go at once', async () => {
    failing.add('/ledger');
    const actions = await publishTo('ledger', { retry: { schedule: ['1s'], maxAttempts: 1 } });
    const [dead] = await eventually(
      async () => ((await actions())[0]?.status === 'dead' ? actions() : undefined),
      10_000,
      'the delivery to die',
    );
    failing.delete('/ledger');
    // Within seconds, with a minute's sweep: the worker heard of the retry on the bus.
    expect((await api.api.post(`${base}/actions/${dead.id}/retry`)).status).toBe(202);
    await eventually(
      async () => ((await actions())[0]?.status === 'succeeded' ? true : undefined),
      5_000,
      'the retried delivery',
    );
    // A replay routes the event again at once too: a second action for the same rule and target.
    expect((await api.api.post(`${base}/events/${actions.eventId}/replay`, {})).status).toBe(202);
    await eventually(
      async () => {
        const all = await actions();
        return (
          (all.length === 2 && all.every((a: { status: string }) => a.status === 'succeeded')) || undefined
        );
      },
      5_000,
      'the replayed event to be delivered',
    );
  });

  it('a source changed through one process is seen at once by another serving ingest', async () => {
    // The other process's clock stands still, so its copy of the source never expires by itself.
    const edge = await startTestApp('sqlite', {
      dataDir: api.dataDir,
      clock: new ManualClock(Date.now()),
      env: { ...bus, EVENTHOOK_ROLE: 'api' },
    });
    try {
      await eventually(
        async () => (edge.app.bus as NatsBus).state === 'connected' || undefined,
        10_000,
        'the other process on NATS',
      );
      const created = await api.api.post(`${base}/sources`, {
        slug: 'gh',
        provider: 'github',
        secret: 'first-secret',
      });
      expect(created.status, created.text).toBe(201);
      let n = 0;
      const push = async (secret: string) => {
        const body = JSON.stringify({ ref: 'refs/heads/main', n: ++n });
        return (
          await deliver(edge, 'gh', { headers: await githubPushHeaders(secret, body, `bus-${n}`), body })
        ).status;
      };
      expect(await push('first-secret')).toBe(200);
      const changed = await api.api.patch(`${base}/sources/gh`, { secret: 'second-secret' });
      expect(changed.status, changed.text).toBe(200);
      await eventually(
        async () => (await push('second-secret')) === 200 || undefined,
        5_000,
        'the new secret to verify on the other process',
      );
      expect(await push('first-secret')).toBe(401);
    } finally {
      await edge.close();
    }
  });
});

describe.skipIf(!natsUp)('the NATS bus when the network drops', () => {
  it('logs the lost connection and its return once each, through the app logger, and /readyz shows it', async () => {
    const proxy = await TcpProxy.start('127.0.0.1', 4222);
    const { logger, lines } = capturedLogger('info');
    const app = await startTestApp('sqlite', {
      env: {
        EVENTHOOK_BUS: 'nats',
        EVENTHOOK_NATS_URL: proxy.url,
        EVENTHOOK_NATS_PREFIX: `eh-test-${randomUUID().slice(0, 8)}`,
      },
      logger,
    });
    const bus = app.app.bus as NatsBus;
    const readyBus = async () =>
      ((await (await fetch(`${app.url}/readyz`)).json()) as { checks: { bus: string } }).checks.bus;
    const said = () =>
      lines
        .filter((l) => l.msg.startsWith('bus: lost') || l.msg.startsWith('bus: reconnected'))
        .map((l) => `${l.level} ${l.msg}`);
    try {
      await eventually(async () => bus.state === 'connected' || undefined, 10_000, 'the bus on NATS');
      expect(await readyBus()).toBe('ok');
      proxy.cut();
      await eventually(
        async () => (await readyBus()) === 'connecting' || undefined,
        5_000,
        '/readyz to show it',
      );
      // Refused reconnects while the line is down are one outage, said once.
      await new Promise((r) => setTimeout(r, 2_500));
      expect(said()).toEqual(['40 bus: lost the NATS connection; reconnecting']);
      proxy.restore();
      await eventually(
        async () => (await readyBus()) === 'ok' || undefined,
        10_000,
        '/readyz to show it back',
      );
      expect(said()).toEqual([
        '40 bus: lost the NATS connection; reconnecting',
        '30 bus: reconnected to NATS',
      ]);
    } finally {
      await app.close();
      await proxy.close();
    }
  }, 30_000);
});
