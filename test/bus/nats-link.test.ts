// The NATS connection both NATS users share: it keeps a connection whatever happens to the one it has, and never
// writes credentials to the log.
import type { NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { NatsLink, natsUrlLabel } from '../../src/bus/nats-link.js';
import { eventually } from '../helpers/app.js';
import { tcpAvailable } from '../helpers/services.js';

const natsUp = await tcpAvailable('NATS', '127.0.0.1', 4222);

describe('natsUrlLabel', () => {
  it('masks user and password or a token, in every server of a list', () => {
    expect(natsUrlLabel('nats://alice:s3cret@10.0.0.1:4222')).toBe('nats://***@10.0.0.1:4222');
    expect(natsUrlLabel('tok_abc@nats.internal:4222,nats://bob:pw@n2:4222')).toBe(
      '***@nats.internal:4222,nats://***@n2:4222',
    );
    expect(natsUrlLabel('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
  });
});

describe.skipIf(!natsUp)('NatsLink', () => {
  const links: NatsLink[] = [];
  afterEach(async () => {
    await Promise.all(links.splice(0).map((l) => l.close()));
  });
  /** A link to the shared server, and every connection it has made, in order. */
  const open = (
    onConnect: (c: NatsConnection, made: readonly NatsConnection[]) => void | Promise<void> = () => {},
  ) => {
    const connections: NatsConnection[] = [];
    const link = new NatsLink({
      url: 'nats://127.0.0.1:4222',
      purpose: 'test',
      logger: pino({ level: 'silent' }),
      onConnect: (c) => {
        connections.push(c);
        return onConnect(c, connections);
      },
    });
    links.push(link);
    return { link, connections };
  };

  it('connects again when the client closes its connection for good', async () => {
    const { link, connections } = open();
    await eventually(async () => link.state === 'connected' || undefined);
    await connections[0]!.close();
    await eventually(
      async () => (connections.length === 2 && link.state === 'connected') || undefined,
      10_000,
    );
    expect(link.current).toBe(connections[1]);
  });

  it('closes a connection whose setup failed before it tries again', async () => {
    const { link, connections } = open((_c, made) => {
      if (made.length === 1) throw new Error('subscribing failed');
    });
    await eventually(
      async () => (link.state === 'connected' && connections.length === 2) || undefined,
      10_000,
    );
    // The first one's subscriptions would otherwise deliver every message a second time.
    expect(connections[0]!.isClosed()).toBe(true);
    expect(connections[1]!.isClosed()).toBe(false);
  });

  it('closes when closed while a connection is being set up, and closes that connection', async () => {
    let setUp!: () => void;
    const { link, connections } = open(() => new Promise<void>((resolve) => (setUp = resolve)));
    await eventually(async () => connections.length === 1 || undefined);
    const closing = link.close();
    setUp();
    await closing;
    expect(link.state).toBe('closed');
    expect(connections[0]!.isClosed()).toBe(true);
  });
});
