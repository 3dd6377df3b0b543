// EVENTHOOK_JETSTREAM=on: every routed event lands in a durable JetStream stream, as its envelope, for other systems
// to consume and replay by time or sequence; dead deliveries and dead engine actions also on dead-letter subjects. Against a NATS server of
// the test's own (with JetStream), read back with the official client the way a consumer would.
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliverPolicy, jetstream, jetstreamManager, AckPolicy } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamName } from '../../src/jetstream/subjects.js';
import {
  ApiClient,
  backendAvailable,
  eventually,
  checkOk,
  readiness,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';
import { startChildServer } from '../helpers/child-server.js';
import { metricValue } from '../helpers/ingest.js';
import { natsServerInstalled, PrivateNats } from '../helpers/nats-server.js';
import {
  BASE,
  createEndpoint,
  createRule,
  ingestSource,
  startReceiver,
  type Receiver,
} from '../helpers/outbound.js';

interface LogMessage {
  subject: string;
  seq: number;
  msgId: string | undefined;
  headers: Record<string, string>;
  body: Record<string, any>;
  text: string;
}

const withNats = natsServerInstalled();

/** The settings that turn the log on, with a prefix (and so a stream) of the test's own. */
function logEnv(nats: PrivateNats, prefix: string): Record<string, string> {
  return {
    EVENTHOOK_JETSTREAM: 'on',
    EVENTHOOK_NATS_URL: nats.url,
    EVENTHOOK_NATS_PREFIX: prefix,
    EVENTHOOK_SWEEP_INTERVAL: '100ms',
  };
}

async function withConnection<T>(nats: PrivateNats, fn: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: nats.url });
  try {
    return await fn(nc);
  } finally {
    await nc.close();
  }
}

/** Everything in the stream from `from` on (all of it by default), read with an ordered consumer. */
async function readLog(
  nats: PrivateNats,
  prefix: string,
  from: { filter?: string; startTime?: Date; startSeq?: number } = {},
): Promise<LogMessage[]> {
  return withConnection(nats, async (nc) => {
    const js = jetstream(nc);
    const consumer = await js.consumers.get(streamName(prefix), {
      ...(from.filter ? { filter_subjects: from.filter } : {}),
      ...(from.startTime
        ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: from.startTime.toISOString() }
        : from.startSeq
          ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from.startSeq }
          : {}),
    });
    const pending = (await consumer.info()).num_pending;
    const out: LogMessage[] = [];
    if (pending === 0) return out;
    for await (const m of await consumer.fetch({ max_messages: pending, expires: 5_000 })) {
      out.push(toLogMessage(m));
      if (out.length === pending) break;
    }
    return out;
  });
}

function toLogMessage(m: {
  subject: string;
  seq: number;
  headers?: { keys(): string[]; get(k: string): string };
  json<T>(): T;
  string(): string;
}): LogMessage {
  const headers: Record<string, string> = {};
  for (const k of m.headers?.keys() ?? []) headers[k] = m.headers!.get(k);
  return {
    subject: m.subject,
    seq: m.seq,
    msgId: headers['Nats-Msg-Id'],
    headers,
    body: m.json(),
    text: m.string(),
  };
}

/** Waits until the log holds `n` messages (and checks it holds no more a little later). */
async function logOf(nats: PrivateNats, prefix: string, n: number, filter?: string): Promise<LogMessage[]> {
  await eventually(
    async () => ((await readLog(nats, prefix, { filter })).length >= n ? true : undefined),
    15_000,
    `${n} messages in the event log`,
  );
  await new Promise((r) => setTimeout(r, 300));
  return readLog(nats, prefix, { filter });
}

async function publishEvents(t: TestApp, type: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await t.api.post(`${BASE}/events`, { type, data: { n: i } });
    expect(res.status, res.text).toBe(200);
    ids.push(res.body.eventId as string);
  }
  return ids;
}

describe.skipIf(!withNats)('the JetStream event log', () => {
  let nats: PrivateNats;
  let t: TestApp;
  let receiver: Receiver;
  const prefix = `eh-log-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    nats = await PrivateNats.onFreePort({ jetstream: true });
    await nats.start();
    receiver = await startReceiver((_req, res) => void res.writeHead(500).end('down'));
    t = await startTestApp('sqlite', {
      env: { ...logEnv(nats, prefix), EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1' },
    });
    await checkOk(t.url, 'jetstream');
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    await nats?.dispose();
  });

  it('publishes every routed event once, in order, as its envelope, under its org and type', async () => {
    const send = await ingestSource(t, 'shop');
    const orders = await publishEvents(t, 'order.created', 3);
    const webhook = await send({ kind: 'refund' });
    const log = await logOf(nats, prefix, 4);
    expect(log.map((m) => m.body.id)).toEqual([...orders, webhook]);
    expect(log.map((m) => m.subject)).toEqual([
      ...orders.map(() => `${prefix}.log.events.default.order.created`),
      // A webhook without a type rule gets the default type, here `webhook`.
      `${prefix}.log.events.default.${log[3]!.body.type}`,
    ]);
    // JetStream de-duplicates on the message id: the event and its routing pass.
    expect(log.map((m) => m.msgId)).toEqual([...orders, webhook].map((id) => `${id}.1`));
    const stored = await t.api.get(`${BASE}/events/${orders[1]}`);
    expect(log[1]!.body).toMatchObject({
      specversion: '1.0',
      id: orders[1],
      org: 'default',
      type: 'order.created',
      data: { n: 1 },
      source: stored.body.source,
    });
    expect(log[1]!.headers).toMatchObject({
      'Eventhook-Event-Id': orders[1],
      'Eventhook-Org': 'default',
      'Eventhook-Type': 'order.created',
      'Eventhook-Route-Seq': '1',
    });
    expect(log[3]!.body).toMatchObject({ source: 'webhook:shop', data: { kind: 'refund' } });
    // A consumer filters by type with NATS wildcards.
    expect(
      (await readLog(nats, prefix, { filter: `${prefix}.log.events.default.order.>` })).map((m) => m.body.id),
    ).toEqual(orders);
    expect(await metricValue(t, 'eventhook_jetstream_published_total', { kind: 'event' })).toBe(4);
    expect(await metricValue(t, 'eventhook_jetstream_lag_seconds', {})).toBe(0);
  });

  it('replays from a time or a sequence, and a durable consumer resumes after what it acknowledged', async () => {
    const before = (await readLog(nats, prefix)).length;
    const first = await publishEvents(t, 'invoice.paid', 2);
    await logOf(nats, prefix, before + 2);
    const mark = new Date();
    await new Promise((r) => setTimeout(r, 50));
    const second = await publishEvents(t, 'invoice.paid', 2);
    const log = await logOf(nats, prefix, before + 4);

    expect((await readLog(nats, prefix, { startTime: mark })).map((m) => m.body.id)).toEqual(second);
    const seqOfFirst = log.find((m) => m.body.id === first[1])!.seq;
    expect((await readLog(nats, prefix, { startSeq: seqOfFirst })).map((m) => m.body.id)).toEqual([
      first[1],
      ...second,
    ]);

    // An audit system's durable consumer of invoices: it takes two, acknowledges them, and later gets the rest.
    await withConnection(nats, async (nc) => {
      const jsm = await jetstreamManager(nc);
      await jsm.consumers.add(streamName(prefix), {
        durable_name: 'audit',
        ack_policy: AckPolicy.Explicit,
        filter_subject: `${prefix}.log.events.*.invoice.>`,
      });
      // Each time the consumer is opened anew, as a restarted audit process would.
      const take = async (n: number) => {
        const consumer = await jetstream(nc).consumers.get(streamName(prefix), 'audit');
        const ids: string[] = [];
        for await (const m of await consumer.fetch({ max_messages: n, expires: 5_000 })) {
          ids.push(toLogMessage(m).body.id as string);
          m.ack();
          if (ids.length === n) break;
        }
        return ids;
      };
      expect(await take(2)).toEqual(first);
      expect(await take(2)).toEqual(second);
    });
  });

  it('puts a dead delivery on the dead-letter subject too', async () => {
    await createEndpoint(t, { slug: 'ledger', url: `${receiver.url}/ledger` });
    await createRule(t, 'ledger', 'ledger.entry', [{ endpoint: 'ledger', retry: { maxAttempts: 1 } }]);
    const [eventId] = await publishEvents(t, 'ledger.entry', 1);
    const dead = await logOf(nats, prefix, 1, `${prefix}.log.dlq.>`);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.subject).toBe(`${prefix}.log.dlq.default.ledger`);
    expect(dead[0]!.body).toMatchObject({
      type: 'delivery.dead',
      source: 'system:eventhook',
      data: { eventId, endpoint: 'ledger', statusCode: 500 },
    });
    // …and, like every event, under its type.
    const asEvent = await readLog(nats, prefix, { filter: `${prefix}.log.events.default.delivery.dead` });
    expect(asEvent.map((m) => m.body.id)).toEqual([dead[0]!.body.id]);
    expect(dead[0]!.msgId).toBe(`${dead[0]!.body.id}.1.dlq`);
  });

  it('puts a dead engine action on the dead-letter subjects too, apart from the endpoints', async () => {
    // A promise target whose promise nobody made uses up its one attempt: action.dead, subject `promise`.
    const rule = await t.api.post(`${BASE}/rules`, {
      name: 'settle-missing',
      pattern: { type: ['payment.late'] },
      targets: [
        { type: 'promise', mode: 'resolve', promise: "'key:nobody-waits'", retry: { maxAttempts: 1 } },
      ],
    });
    expect(rule.status, rule.text).toBe(201);
    const [eventId] = await publishEvents(t, 'payment.late', 1);
    const dead = await logOf(nats, prefix, 1, `${prefix}.log.dlq.default._action.>`);
    expect(dead[0]!.subject).toBe(`${prefix}.log.dlq.default._action.promise`);
    expect(dead[0]!.body).toMatchObject({
      type: 'action.dead',
      source: 'system:eventhook',
      data: { eventId },
    });
    expect(dead[0]!.msgId).toBe(`${dead[0]!.body.id}.1.dlq`);
    // One filter takes an org's every dead letter: the endpoint's of the test before and this one.
    const all = await readLog(nats, prefix, { filter: `${prefix}.log.dlq.default.>` });
    expect(all.map((m) => m.body.type).sort()).toEqual(['action.dead', 'delivery.dead']);
  });

  it('publishes a replayed event again, as its next routing pass', async () => {
    const [id] = await publishEvents(t, 'report.ready', 1);
    await logOf(nats, prefix, 1, `${prefix}.log.events.default.report.>`);
    const replay = await t.api.post(`${BASE}/events/${id}/replay`, {});
    expect(replay.status, replay.text).toBeLessThan(300);
    const log = await logOf(nats, prefix, 2, `${prefix}.log.events.default.report.>`);
    expect(log.map((m) => m.msgId)).toEqual([`${id}.1`, `${id}.2`]);
  });
});

describe.skipIf(!withNats)('the JetStream event log through failures', () => {
  let nats: PrivateNats;
  beforeAll(async () => {
    nats = await PrivateNats.onFreePort({ jetstream: true });
    await nats.start();
  });
  afterAll(async () => nats?.dispose());

  it('keeps routing while NATS is down, and publishes what waited once it is back, each event once', async () => {
    const prefix = `eh-out-${randomUUID().slice(0, 8)}`;
    const t = await startTestApp('sqlite', { env: logEnv(nats, prefix) });
    try {
      const early = await publishEvents(t, 'tick', 2);
      await logOf(nats, prefix, 2);
      await nats.kill();
      const during = await publishEvents(t, 'tick', 5);
      // Routed all the same; the service stays ready (the log only lags), and says so.
      await eventually(
        async () => {
          const events = await t.api.get(`${BASE}/events?type=tick`);
          return events.body.items.every((e: { status: string }) => e.status !== 'pending')
            ? true
            : undefined;
        },
        10_000,
        'the events to be routed',
      );
      const ready = await readiness(t.url);
      expect(ready.status).toBe('ready');
      expect(ready.checks.jetstream).not.toBe('ok');
      await eventually(
        async () => ((await metricValue(t, 'eventhook_jetstream_lag_seconds', {})) > 0 ? true : undefined),
        10_000,
        'the lag to show',
      );
      await nats.start();
      const log = await logOf(nats, prefix, 7);
      expect(log.map((m) => m.body.id)).toEqual([...early, ...during]);
      await eventually(
        async () => ((await metricValue(t, 'eventhook_jetstream_lag_seconds', {})) === 0 ? true : undefined),
        10_000,
        'the lag to clear',
      );
    } finally {
      await t.close();
    }
  });

  it('makes its stream again when an operator deleted it, and goes on publishing', async () => {
    const prefix = `eh-del-${randomUUID().slice(0, 8)}`;
    const t = await startTestApp('sqlite', { env: logEnv(nats, prefix) });
    try {
      await publishEvents(t, 'tock', 1);
      await logOf(nats, prefix, 1);
      await withConnection(nats, async (nc) =>
        (await jetstreamManager(nc)).streams.delete(streamName(prefix)),
      );
      const after = await publishEvents(t, 'tock', 2);
      expect((await logOf(nats, prefix, 2)).map((m) => m.body.id)).toEqual(after);
    } finally {
      await t.close();
    }
  });

  it('a process killed with events in its outbox: the next process on the database publishes them, once', async () => {
    const prefix = `eh-crash-${randomUUID().slice(0, 8)}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'eventhook-log-crash-'));
    const token = 'eho_log-crash-token';
    const env = { ...logEnv(nats, prefix), EVENTHOOK_DATA_DIR: dataDir, EVENTHOOK_ADMIN_TOKEN: token };
    try {
      await nats.kill();
      const child = await startChildServer(env);
      const api = new ApiClient(child.url, token);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++)
        ids.push((await api.post(`${BASE}/events`, { type: 'crash.tick', data: { i } })).body.eventId);
      await eventually(
        async () => {
          const events = await api.get(`${BASE}/events?type=crash.tick&limit=100`);
          return events.body.items.length === 20 &&
            events.body.items.every((e: { status: string }) => e.status !== 'pending')
            ? true
            : undefined;
        },
        15_000,
        'the events to be routed',
      );
      await child.kill9();
      await nats.start();
      const next = await startTestApp('sqlite', { dataDir, env: { ...env, EVENTHOOK_ADMIN_TOKEN: token } });
      try {
        const log = await logOf(nats, prefix, 20);
        expect(log.map((m) => m.body.id)).toEqual(ids);
      } finally {
        await next.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('two processes on one database publish each event once', async () => {
    const prefix = `eh-pair-${randomUUID().slice(0, 8)}`;
    const a = await startTestApp('sqlite', { env: logEnv(nats, prefix) });
    const b = await startTestApp('sqlite', { dataDir: a.dataDir, env: logEnv(nats, prefix) });
    try {
      const ids = await publishEvents(a, 'pair.tick', 30);
      const log = await logOf(nats, prefix, 30);
      expect(log).toHaveLength(30);
      expect(new Set(log.map((m) => m.body.id))).toEqual(new Set(ids));
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('publishes a webhook’s integers beyond 2^53 as they arrived', async () => {
    const prefix = `eh-big-${randomUUID().slice(0, 8)}`;
    const t = await startTestApp('sqlite', { env: logEnv(nats, prefix) });
    try {
      await ingestSource(t, 'ids');
      const body = '{"type":"big.id","id":1234567890123456789}';
      const res = await fetch(`${t.url}${BASE}/in/ids`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-sig': createHmac('sha256', 'outbound-test-secret').update(body).digest('hex'),
        },
        body,
      });
      expect(res.status).toBe(200);
      const [message] = await logOf(nats, prefix, 1);
      expect(message!.text).toContain('"data":{"type":"big.id","id":1234567890123456789}');
    } finally {
      await t.close();
    }
  });
});

const withPostgres = withNats && (await backendAvailable('postgres'));

describe.skipIf(!withPostgres)('the JetStream event log on PostgreSQL', () => {
  it('publishes routed events from a PostgreSQL store, once each, in order', async () => {
    const nats = await PrivateNats.onFreePort({ jetstream: true });
    await nats.start();
    const prefix = `eh-pg-${randomUUID().slice(0, 8)}`;
    const t = await startTestApp('postgres', { env: logEnv(nats, prefix) });
    try {
      const ids = await publishEvents(t, 'pg.tick', 12);
      expect((await logOf(nats, prefix, 12)).map((m) => m.body.id)).toEqual(ids);
    } finally {
      await t.close();
      await nats.dispose();
    }
  });
});
