// A Flovyn lifecycle event that arrives while the store does not answer for a moment (PostgreSQL behind a proxy the
// test cuts and restores) is stored once the store is back, whichever read or write of it failed first: core NATS
// will not send it again. Real NATS, real PostgreSQL, FakeFlovyn.
import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOk, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { FakeFlovyn } from '../helpers/fake-flovyn.js';
import { freshPostgresSchema, postgresAvailable, tcpAvailable } from '../helpers/services.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const base = '/api/orgs/default/eventhook';
const available = (await postgresAvailable()) && (await tcpAvailable('NATS', '127.0.0.1', 4222));

describe.skipIf(!available)('Flovyn lifecycle events while the store is briefly out of reach', () => {
  let t: TestApp;
  let flovyn: FakeFlovyn;
  let nats: NatsConnection;
  let proxy: TcpProxy;
  let drop: () => Promise<void>;
  const flovynOrg = `flvrev-${randomUUID()}`;

  beforeAll(async () => {
    const schema = await freshPostgresSchema();
    drop = schema.drop;
    const via = await TcpProxy.toDatabase(schema.url);
    proxy = via.proxy;
    flovyn = await new FakeFlovyn('flovyn_sk_outage', ['default']).start();
    t = await startTestApp('postgres', {
      databaseUrl: via.url,
      env: {
        ...flovyn.engineEnv(),
        EVENTHOOK_FLOVYN_NATS_URL: 'nats://127.0.0.1:4222',
        EVENTHOOK_FLOVYN_EVENT_ORGS: `${flovynOrg}=default`,
        EVENTHOOK_NATS_PREFIX: `flvrev-outage-${flovynOrg.slice(7, 15)}`,
      },
    });
    nats = await connect({ servers: '127.0.0.1:4222' });
    await checkOk(t.url, 'flovynEvents');
  });
  afterAll(async () => {
    await nats?.close();
    await t?.close();
    await proxy?.close();
    await flovyn?.close();
    await drop?.();
  });

  it('an event of an execution Eventhook did not start, taken while the store is cut, is stored when it is back', async () => {
    const workflowId = randomUUID();
    proxy.cut();
    nats.publish(
      `flovyn.events.${flovynOrg}.workflow.failed`,
      JSON.stringify({
        id: randomUUID(),
        event_type: 'WORKFLOW_FAILED',
        workflow_execution_id: workflowId,
        data: { id: workflowId, kind: 'flvrev-outage', status: 'FAILED', error: 'boom' },
      }),
    );
    await nats.flush();
    // Looking its cause up fails first; the store is back well within the tries an event gets.
    await new Promise((r) => setTimeout(r, 600));
    proxy.restore();
    const stored = await eventually(
      async () => {
        const r = await t.api.get(`${base}/events?type=workflow.failed`);
        return r.status === 200 ? (r.body.items as any[]).find((e) => e.subject === workflowId) : undefined;
      },
      15_000,
      'the event taken while the store was cut',
    );
    expect(stored).toMatchObject({ source: 'system:workflows', data: { error: 'boom' } });
  });
});
