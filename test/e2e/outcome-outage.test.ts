// A delivery made while the database went away: the receiver got the message, but its outcome could not be recorded.
// While the action's lease lasts the worker asks the store again, so an outage shorter than the lease loses no
// attempt's record and sends no message twice (before, the action stayed in flight until its lease ran out and the
// message went again, as a second attempt). On PostgreSQL through a proxy the test cuts and restores.
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { capturedLogger, type CapturedLogger } from '../helpers/logs.js';
import {
  BASE,
  createEndpoint,
  createRule,
  getAction,
  sleep,
  startReceiver,
  type Receiver,
} from '../helpers/outbound.js';
import type { Handler } from '../delivery/fixtures/receiver.js';
import { freshPostgresSchema, postgresAvailable } from '../helpers/services.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const LEASE_MS = 30_000;

/** A deployment on PostgreSQL behind a proxy, delivering order.paid events to a receiver run by `handler`. */
interface Deployment {
  t: TestApp;
  proxy: TcpProxy;
  receiver: Receiver;
  log: CapturedLogger;
  /** Publishes an order.paid event; its id. */
  publish(): Promise<string>;
}

describe.skipIf(!(await postgresAvailable()))(
  'an outcome the database could not take at once — postgres',
  () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    const deploy = async (
      handler: (proxy: TcpProxy, receiver: Receiver) => Handler,
      env: Record<string, string>,
    ): Promise<Deployment> => {
      const { url, drop } = await freshPostgresSchema();
      cleanups.push(drop);
      const { proxy, url: viaProxy } = await TcpProxy.toDatabase(url);
      cleanups.push(() => proxy.close());
      const receiver: Receiver = await startReceiver((req, res) => handler(proxy, receiver)(req, res));
      cleanups.push(() => receiver.close());
      const log = capturedLogger();
      const t = await startTestApp('postgres', {
        databaseUrl: viaProxy,
        logger: log.logger,
        env: { EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1', EVENTHOOK_LEASE: `${LEASE_MS}ms`, ...env },
      });
      // Closed by the test or after it, once.
      const close = t.close.bind(t);
      let closing: Promise<void> | undefined;
      t.close = () => (closing ??= close());
      cleanups.push(() => t.close());
      await createEndpoint(t, { slug: 'hooks', url: `${receiver.url}/in` });
      await createRule(t, 'to-hooks', 'order.paid', [{ endpoint: 'hooks' }]);
      const publish = async () => {
        const published = await t.api.post(`${BASE}/events`, { type: 'order.paid', data: {} });
        expect(published.status, published.text).toBe(200);
        return published.body.eventId as string;
      };
      return { t, proxy, receiver, log, publish };
    };
    const ok: Handler = (_req, res) => void res.writeHead(200).end('ok');

    it('is recorded once the database is back, within the lease, and the message is not sent again', async () => {
      let outageEnded!: () => void;
      const outage = new Promise<void>((r) => (outageEnded = r));
      // The database goes away while the receiver holds the first delivery, and comes back 2 s after it answered.
      const { t, receiver, log, publish } = await deploy(
        (proxy, receiver) => async (req, res) => {
          if (receiver.requests.length === 1) {
            proxy.cut();
            await sleep(200);
            setTimeout(() => {
              proxy.restore();
              outageEnded();
            }, 2_000);
          }
          ok(req, res);
        },
        { EVENTHOOK_PG_CONNECT_TIMEOUT: '1s' },
      );
      const started = Date.now();
      const eventId = await publish();
      await outage;
      const done = await eventually(
        async () => {
          const e = await t.api.get(`${BASE}/events/${eventId}`);
          const a = e.body?.actions?.[0];
          return a?.status === 'succeeded' ? a : undefined;
        },
        15_000,
        'the delivery to be recorded as succeeded',
      );
      expect(Date.now() - started).toBeLessThan(LEASE_MS);
      const action = await getAction(t, done.id);
      expect(action.attempts).toHaveLength(1);
      expect(action.attempts[0]).toMatchObject({ number: 1, outcome: 'succeeded', statusCode: 200 });
      expect(receiver.requests).toHaveLength(1);
      expect(log.logged("the store could not record an attempt's outcome")).toBe(true);
      expect(log.logged('the store recorded an attempt it could not before')).toBe(true);
      // Nothing went again since (a second send would have followed at once from a re-claim).
      await sleep(1_000);
      expect(receiver.requests).toHaveLength(1);
    }, 40_000);

    it('is found recorded when the commit landed but its answer was lost, and not written twice', async () => {
      // The answer to the commit that records the first delivery's outcome never reaches the worker.
      const { t, receiver, log, publish } = await deploy(
        (proxy, receiver) => (req, res) => {
          if (receiver.requests.length === 1) proxy.loseAnswer(/insert into "attempts"/i, /commit/i);
          ok(req, res);
        },
        { EVENTHOOK_PG_STATEMENT_TIMEOUT: '1s' },
      );
      const eventId = await publish();
      await eventually(
        async () =>
          log.logged("an attempt's outcome was found recorded after the store's answer to it was lost"),
        15_000,
        'the worker to find its outcome recorded',
      );
      const e = await t.api.get(`${BASE}/events/${eventId}`);
      const action = await getAction(t, e.body.actions[0].id);
      expect(action).toMatchObject({ status: 'succeeded' });
      expect(action.attempts).toHaveLength(1);
      expect(receiver.requests).toHaveLength(1);
      expect(log.lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
    }, 40_000);

    it('stops asking when the process closes, leaving the outcome to the lease', async () => {
      const { t, log, publish } = await deploy(
        (proxy) => (req, res) => {
          proxy.cut(); // for good
          ok(req, res);
        },
        { EVENTHOOK_PG_CONNECT_TIMEOUT: '1s' },
      );
      await publish();
      await eventually(
        async () => log.logged("the store could not record an attempt's outcome"),
        10_000,
        'the outcome to be refused',
      );
      // Closing does not wait out the lease (30 s) for a database that does not come back.
      const closing = Date.now();
      await t.close();
      expect(Date.now() - closing).toBeLessThan(10_000);
      expect(log.logged('recording an attempt failed')).toBe(true);
    }, 40_000);
  },
);
