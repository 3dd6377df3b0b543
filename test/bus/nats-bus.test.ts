// The NATS bus against a real NATS server: what one process publishes reaches every process of the deployment
// (same prefix) once, matched by the same subject patterns as the memory bus, and nothing crosses deployments.
import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pino, { type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { NatsBus } from '../../src/bus/adapters/nats/index.js';
import { eventually } from '../helpers/app.js';
import { capturedLogger } from '../helpers/logs.js';
import { freePort, natsServerInstalled, PrivateNats } from '../helpers/nats-server.js';
import { tcpAvailable } from '../helpers/services.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const natsUp = await tcpAvailable('NATS', '127.0.0.1', 4222);
const logger = pino({ level: 'silent' });

describe.skipIf(!natsUp)('NatsBus', () => {
  const buses: NatsBus[] = [];
  const open = (
    prefix: string,
    onError?: (err: unknown) => void,
    url = 'nats://127.0.0.1:4222',
    log: Logger = logger,
  ) => {
    const bus = new NatsBus({ url, prefix, logger: log, onError });
    buses.push(bus);
    return bus;
  };
  const connected = (...all: NatsBus[]) =>
    eventually(
      async () => all.every((b) => b.state === 'connected') || undefined,
      5_000,
      'the buses to connect',
    );
  /** Plain NATS connections a test publishes or listens with, as another application on the server would. */
  const clients: NatsConnection[] = [];
  const client = async () => {
    const c = await connect({ servers: 'nats://127.0.0.1:4222' });
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  it('delivers a message to the subscribers of every process once, with its data', async () => {
    const prefix = `eh-test-${randomUUID().slice(0, 8)}`;
    const [a, b] = [open(prefix), open(prefix)];
    await connected(a, b);
    const got: string[] = [];
    a.subscribe<{ n: number }>('events.acme.*', (m) => void got.push(`a ${m.subject} ${m.data.n}`));
    b.subscribe<{ n: number }>('events.>', (m) => void got.push(`b ${m.subject} ${m.data.n}`));
    b.subscribe('actions.>', (m) => void got.push(`b ${m.subject}`));
    await a.publish('events.acme.evt_1', { n: 1 });
    await b.publish('events.other.evt_2', { n: 2 });
    await eventually(async () => got.length >= 3 || undefined, 5_000, 'three deliveries');
    // A marker after them, to be sure no late copy follows.
    await a.publish('actions.acme.act_9', {});
    await eventually(async () => got.includes('b actions.acme.act_9') || undefined);
    expect(got.sort()).toEqual([
      'a events.acme.evt_1 1',
      'b actions.acme.act_9',
      'b events.acme.evt_1 1',
      'b events.other.evt_2 2',
    ]);
  });

  it('keeps deployments with different prefixes apart', async () => {
    const [a, other] = [open(`eh-a-${randomUUID().slice(0, 8)}`), open(`eh-b-${randomUUID().slice(0, 8)}`)];
    await connected(a, other);
    const got: string[] = [];
    other.subscribe('events.>', (m) => void got.push(m.subject));
    await a.publish('events.acme.evt_1', {});
    await other.publish('events.acme.evt_own', {});
    await eventually(async () => got.includes('events.acme.evt_own') || undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual(['events.acme.evt_own']);
  });

  it('reports a failing subscriber without keeping the message from the others', async () => {
    const prefix = `eh-test-${randomUUID().slice(0, 8)}`;
    const errors: unknown[] = [];
    const [a, b] = [open(prefix), open(prefix, (err) => errors.push(err))];
    await connected(a, b);
    let delivered = 0;
    b.subscribe('x.y', () => {
      throw new Error('boom');
    });
    b.subscribe('x.y', () => void delivered++);
    await a.publish('x.y', {});
    await eventually(async () => delivered === 1 || undefined);
    expect(errors).toHaveLength(1);
  });

  it('delivers in its own process while NATS cannot be reached', async () => {
    const bus = open('eh', undefined, `nats://127.0.0.1:${await freePort()}`);
    const got: unknown[] = [];
    bus.subscribe('events.>', (m) => void got.push(m.data));
    await bus.publish('events.acme.evt_1', { n: 1 });
    await eventually(async () => got.length === 1 || undefined);
    expect(got).toEqual([{ n: 1 }]);
    expect(bus.state).toBe('connecting');
  });

  it.skipIf(!natsServerInstalled())(
    'closes at once when the server went away after it connected',
    async () => {
      const nats = await PrivateNats.onFreePort();
      await nats.start();
      try {
        const bus = open('eh', undefined, nats.url);
        await connected(bus);
        await nats.kill();
        await eventually(async () => bus.state === 'connecting' || undefined);
        await bus.publish('events.acme.evt_1', {});
        const started = Date.now();
        await bus.close();
        // Draining would wait for a server that is not there (seconds); closing does not.
        expect(Date.now() - started).toBeLessThan(1_000);
      } finally {
        await nats.kill();
      }
    },
  );

  it('travels under `{prefix}.bus.`, and takes nothing else that shares the prefix (event log, intake)', async () => {
    const prefix = `eh-test-${randomUUID().slice(0, 8)}`;
    const { logger: log, lines } = capturedLogger();
    const [a, b] = [open(prefix), open(prefix, undefined, undefined, log)];
    await connected(a, b);
    const raw = await client();
    const wire: string[] = [];
    raw.subscribe(`${prefix}.>`, { callback: (_err, msg) => void wire.push(msg.subject) });
    await raw.flush();
    const got: string[] = [];
    b.subscribe('>', (m) => void got.push(m.subject));
    // What the JetStream event log and the intake publish under the same prefix, JSON or not.
    raw.publish(`${prefix}.log.events.acme.order.placed`, JSON.stringify({ id: 'evt_1' }));
    raw.publish(`${prefix}.in.acme`, 'not json at all');
    raw.publish(`${prefix}.flovyn.x`, '{"a":1}');
    await a.publish('events.acme.evt_2', { n: 2 });
    await eventually(async () => got.includes('events.acme.evt_2') || undefined, 5_000, 'the bus message');
    await a.publish('work.router', {});
    await eventually(async () => got.includes('work.router') || undefined, 5_000, 'the marker');
    expect(got).toEqual(['events.acme.evt_2', 'work.router']);
    expect(wire).toContain(`${prefix}.bus.events.acme.evt_2`);
    expect(wire).toContain(`${prefix}.bus.work.router`);
    expect(lines.filter((l) => (l.level as number) >= 40)).toEqual([]);
  });

  it('warns once, briefly, about messages on a bus subject that are not JSON, whatever the subscribers', async () => {
    const prefix = `eh-test-${randomUUID().slice(0, 8)}`;
    const { logger: log, lines } = capturedLogger();
    const bus = open(prefix, undefined, undefined, log);
    await connected(bus);
    const got: string[] = [];
    bus.subscribe('events.>', (m) => void got.push(m.subject));
    bus.subscribe('events.acme.*', (m) => void got.push(m.subject));
    bus.subscribe('>', (m) => void got.push(m.subject));
    const raw = await client();
    for (let i = 0; i < 5; i++) raw.publish(`${prefix}.bus.events.acme.x${i}`, 'not json');
    raw.publish(`${prefix}.bus.work.router`, '{}');
    await eventually(async () => got.includes('work.router') || undefined, 5_000, 'the marker');
    expect(got).toEqual(['work.router']);
    const warnings = lines.filter((l) => (l.level as number) >= 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      msg: 'bus message is not JSON; ignored',
      subject: `${prefix}.bus.events.acme.x0`,
      bytes: 8,
    });
    expect(warnings[0]).not.toHaveProperty('err');
  });

  it('says when it loses NATS and when it is back, once each, and carries messages again after', async () => {
    const proxy = await TcpProxy.start('127.0.0.1', 4222);
    try {
      const prefix = `eh-test-${randomUUID().slice(0, 8)}`;
      const { logger: log, lines } = capturedLogger();
      const [cut, other] = [open(prefix, undefined, proxy.url, log), open(prefix)];
      await connected(cut, other);
      const got: string[] = [];
      cut.subscribe('events.>', (m) => void got.push(m.subject));
      const lost = 'bus: lost the NATS connection; reconnecting';
      const back = 'bus: reconnected to NATS';
      const said = () => lines.map((l) => l.msg).filter((m) => m === lost || m === back);

      proxy.cut();
      await eventually(async () => cut.state === 'connecting' || undefined, 5_000, 'the bus to notice');
      // Refused reconnects while the line is down are one outage, said once.
      await new Promise((r) => setTimeout(r, 2_500));
      expect(said()).toEqual([lost]);
      expect(lines.find((l) => l.msg === lost)).toMatchObject({ level: 40, url: proxy.url });

      proxy.restore();
      await connected(cut);
      expect(said()).toEqual([lost, back]);
      expect(lines.find((l) => l.msg === back)).toMatchObject({ level: 30 });

      // Resubscribed: what another process publishes arrives again.
      await eventually(
        async () => {
          await other.publish('events.acme.after', {});
          return got.includes('events.acme.after') || undefined;
        },
        5_000,
        'a message after the reconnect',
      );
      expect(said()).toEqual([lost, back]);
    } finally {
      await proxy.close();
    }
  }, 20_000);
});
