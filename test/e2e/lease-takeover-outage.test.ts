// Two workers on one PostgreSQL database, both cut off from it for longer than the silence after which a worker
// counts as gone (five beats, at least 10 s), as when the database fails over or the network breaks. Neither died:
// the one that reached the database again first used to take the other's leases (its heartbeats looked 10 s old
// because nobody could beat) and send its messages again, though the outage was shorter than the lease and the
// other was only waiting to record its outcome. A worker's own silence is no sign that the others died.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { metricValue } from '../helpers/ingest.js';
import {
  createEndpoint,
  createRule,
  ingestSource,
  type Receiver,
  sleep,
  startReceiver,
  waitForAction,
} from '../helpers/outbound.js';
import { freshPostgresSchema, postgresAvailable } from '../helpers/services.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const available = await postgresAvailable();

describe.skipIf(!available)('a database outage met by every worker — postgres', () => {
  let a: TestApp;
  let b: TestApp;
  let proxies: TcpProxy[] = [];
  let receiver: Receiver;
  let drop: () => Promise<void>;
  let answer!: () => void;
  const answered = new Promise<void>((r) => (answer = r));

  beforeAll(async () => {
    // The first delivery is answered only once the database is out of reach: its worker cannot record the outcome
    // and keeps the action under its lease (60 s) meanwhile.
    receiver = await startReceiver(async (_req, res) => {
      await answered;
      res.writeHead(200).end('ok');
    });
    const schema = await freshPostgresSchema();
    drop = schema.drop;
    const [pa, pb] = [await TcpProxy.toDatabase(schema.url), await TcpProxy.toDatabase(schema.url)];
    proxies = [pa.proxy, pb.proxy];
    const env = { EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1' };
    a = await startTestApp('postgres', { databaseUrl: pa.url, env });
    b = await startTestApp('postgres', { databaseUrl: pb.url, env, dataDir: a.dataDir });
    for (const t of [a, b])
      await eventually(async () => (await metricValue(t, 'eventhook_workers_alive', {})) === 2 || undefined);
  });
  afterAll(async () => {
    answer();
    await b?.close();
    await a?.close();
    for (const p of proxies) await p.close();
    await receiver?.close();
    await drop?.();
  });

  it('takes no lease from a worker that was only cut off as well', async () => {
    await createEndpoint(a, { slug: 'slow', url: `${receiver.url}/slow` });
    await createRule(a, 'slow', 'slow.test', [{ endpoint: 'slow' }]);
    const send = await ingestSource(a);
    const eventId = await send({ type: 'slow.test' });
    await eventually(async () => receiver.requests.length === 1 || undefined, 10_000, 'the delivery');
    const inFlight = [
      await metricValue(a, 'eventhook_actions_in_flight', {}),
      await metricValue(b, 'eventhook_actions_in_flight', {}),
    ];
    const holder = inFlight[0] === 1 ? 0 : 1;
    expect(inFlight[holder]).toBe(1);
    const other = 1 - holder;

    for (const p of proxies) p.cut();
    answer();
    await sleep(11_000);
    // The other worker is back a moment before the holder, as connections come back one by one.
    proxies[other]!.restore();
    await sleep(1_500);
    proxies[holder]!.restore();

    const action = await waitForAction(a, eventId, (x) => x.status === 'succeeded', 20_000, 'the outcome');
    expect(action.attemptCount).toBe(1);
    await sleep(1_000);
    expect(receiver.requests).toHaveLength(1);
    for (const t of [a, b]) expect(await metricValue(t, 'eventhook_leases_taken_over_total', {})).toBe(0);
  }, 60_000);
});
