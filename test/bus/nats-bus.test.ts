// The NATS bus against a real NATS server: what one process publishes reaches every process of the deployment
// (same prefix) once, matched by the same subject patterns as the memory bus, and nothing crosses deployments.
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { NatsBus } from '../../src/bus/adapters/nats/index.js';
import { eventually } from '../helpers/app.js';
import { freePort, natsServerInstalled, PrivateNats } from '../helpers/nats-server.js';
import { tcpAvailable } from '../helpers/services.js';

const natsUp = await tcpAvailable('NATS', '127.0.0.1', 4222);
const logger = pino({ level: 'silent' });

describe.skipIf(!natsUp)('NatsBus', () => {
  const buses: NatsBus[] = [];
  const open = (prefix: string, onError?: (err: unknown) => void, url = 'nats://127.0.0.1:4222') => {
    const bus = new NatsBus({ url, prefix, logger, onError });
    buses.push(bus);
    return bus;
  };
  const connected = (...all: NatsBus[]) =>
    eventually(
      async () => all.every((b) => b.state === 'connected') || undefined,
      5_000,
      'the buses to connect',
    );
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
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
});
