// A Flovyn lifecycle payload with neither an event id nor a time (no shape Flovyn documents has one, but a publisher
// may send it), taken from the durable stream, whose commit landed though its answer was lost: the commit counts as
// failed, the message is handed back, and JetStream delivers it again. The stream's sequence tells that redelivery
// from a second publish of the same payload: the first is stored once, the second is an event of its own (an untimed
// state set twice to one value, a workflow suspended twice, are two events). A private nats-server -js, real
// PostgreSQL behind a proxy that loses the commit's answer.
import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOk, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { capturedLogger } from '../helpers/logs.js';
import { natsServerInstalled, PrivateNats } from '../helpers/nats-server.js';
import { freshPostgresSchema, postgresAvailable } from '../helpers/services.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const base = '/api/orgs/default/eventhook';
const available = natsServerInstalled() && (await postgresAvailable());

describe.skipIf(!available)(
  'an untimed Flovyn lifecycle payload without an id, redelivered by the stream',
  () => {
    let nats: PrivateNats;
    let t: TestApp;
    let proxy: TcpProxy;
    let drop: () => Promise<void>;
    const flovynOrg = randomUUID();
    const log = capturedLogger();

    beforeAll(async () => {
      nats = await PrivateNats.onFreePort({ jetstream: true });
      await nats.start();
      const schema = await freshPostgresSchema();
      drop = schema.drop;
      const via = await TcpProxy.toDatabase(schema.url);
      proxy = via.proxy;
      t = await startTestApp('postgres', {
        databaseUrl: via.url,
        logger: log.logger,
        env: {
          EVENTHOOK_FLOVYN_NATS_URL: nats.url,
          EVENTHOOK_FLOVYN_EVENT_ORGS: `${flovynOrg}=default`,
          EVENTHOOK_FLOVYN_EVENTS_DURABLE: 'on',
          EVENTHOOK_PG_STATEMENT_TIMEOUT: '1s',
        },
      });
      await checkOk(t.url, 'flovynEvents');
    });
    afterAll(async () => {
      await t?.close();
      await proxy?.close();
      await drop?.();
      await nats?.dispose();
    });

    const publish = async (key: string) => {
      const client = await connect({ servers: nats.url });
      try {
        client.publish(
          `flovyn.events.${flovynOrg}.state.set`,
          JSON.stringify({ type: 'Event', event: 'STATE_SET', data: { key, value: 'on' } }),
        );
        await client.flush();
      } finally {
        await client.close();
      }
    };
    const stored = async (key: string) =>
      ((await t.api.get(`${base}/events?type=state.set&limit=100`)).body.items as any[]).filter(
        (e) => e.data?.key === key,
      );

    it('is stored once when the stream delivers it again after a commit whose answer was lost', async () => {
      const key = `lost-${randomUUID()}`;
      proxy.loseAnswer(/insert into "events"/i, /commit/i);
      await publish(key);
      // Handed back after the failed commit, it comes again 5 s later; give it time to be committed twice.
      await eventually(async () => ((await stored(key)).length > 0 ? true : undefined), 20_000, 'the event');
      // It was handed back, and came again: the commit had landed.
      await eventually(
        async () => log.logged('Flovyn lifecycle event could not be stored; it comes back') || undefined,
        10_000,
        'the failed commit',
      );
      await new Promise((r) => setTimeout(r, 8_000));
      expect(await stored(key)).toHaveLength(1);
    }, 40_000);

    it('a second publish of the same payload is an event of its own', async () => {
      const key = `twice-${randomUUID()}`;
      await publish(key);
      await publish(key);
      await eventually(async () => ((await stored(key)).length === 2 ? true : undefined), 10_000, 'both');
      await new Promise((r) => setTimeout(r, 300));
      expect(await stored(key)).toHaveLength(2);
    }, 20_000);
  },
);
