// EVENTHOOK_JETSTREAM_INTAKE=on: applications publish events to `{prefix}.in.{org}` on NATS; a durable JetStream
// work queue holds them until an Eventhook process has committed each as an event. Against a NATS server of the
// test's own, published with the official client as an application would.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import Database from 'better-sqlite3';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intakeStreamName, streamName } from '../../src/jetstream/subjects.js';
import { ApiClient, checkOk, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { startChildServer } from '../helpers/child-server.js';
import { metricValue } from '../helpers/ingest.js';
import { natsServerInstalled, PrivateNats } from '../helpers/nats-server.js';
import { BASE } from '../helpers/outbound.js';

const withNats = natsServerInstalled();

describe.skipIf(!withNats)('the JetStream intake', () => {
  let nats: PrivateNats;
  let nc: NatsConnection;
  let t: TestApp;
  const prefix = `eh-in-${randomUUID().slice(0, 8)}`;
  const env = {
    EVENTHOOK_JETSTREAM_INTAKE: 'on',
    EVENTHOOK_NATS_PREFIX: prefix,
  };

  const start = (dataDir?: string) =>
    startTestApp('sqlite', {
      ...(dataDir ? { dataDir } : {}),
      env: { ...env, EVENTHOOK_NATS_URL: nats.url },
    });
  const publish = (subject: string, body: unknown) =>
    jetstream(nc).publish(subject, typeof body === 'string' ? body : JSON.stringify(body));
  /** Every event of a type, page by page. */
  const eventsOfType = async (app: { api: ApiClient }, type: string) => {
    const all: Array<Record<string, any>> = [];
    for (let cursor = ''; ;) {
      const page = await app.api.get(`${BASE}/events?type=${type}&limit=200${cursor && `&cursor=${cursor}`}`);
      all.push(...(page.body.items as Array<Record<string, any>>));
      if (!page.body.nextCursor) return all;
      cursor = page.body.nextCursor as string;
    }
  };
  /** Messages still in a work queue: published and not yet acknowledged. */
  const queued = async (of = prefix) =>
    (await (await jetstreamManager(nc)).streams.info(intakeStreamName(of))).state.messages;

  beforeAll(async () => {
    nats = await PrivateNats.onFreePort({ jetstream: true });
    await nats.start();
    nc = await connect({ servers: nats.url });
    t = await start();
    await checkOk(t.url, 'jetstreamIntake');
  });
  afterAll(async () => {
    await t?.close();
    await nc?.close();
    await nats?.dispose();
  });

  it('commits a published event, routes it like one from POST /events, and acknowledges the message', async () => {
    const rule = await t.api.post(`${BASE}/rules`, {
      name: 'pack-orders',
      pattern: { type: ['order.placed'] },
      targets: [{ type: 'task', kind: 'pack' }],
    });
    expect(rule.status).toBe(201);
    await publish(`${prefix}.in.default`, {
      type: 'order.placed',
      source: 'checkout',
      subject: 'ord-7',
      data: { total: 42 },
    });
    const [event] = await eventually(
      async () =>
        (await eventsOfType(t, 'order.placed')).length === 1 ? eventsOfType(t, 'order.placed') : undefined,
      10_000,
      'the event',
    );
    expect(event).toMatchObject({ source: 'app:checkout', subject: 'ord-7', data: { total: 42 } });
    await eventually(
      async () =>
        (((await t.api.get(`${BASE}/engine/tasks?kind=pack`)).body.items.length === 1) as true) || undefined,
      10_000,
      'the task',
    );
    expect(await queued()).toBe(0);
  });

  it('a message again under the producer’s id is a duplicate; further subject tokens are the producer’s', async () => {
    await publish(`${prefix}.in.default`, { type: 'invoice.sent', id: 'inv-1', data: { n: 1 } });
    await publish(`${prefix}.in.default.billing.invoices`, {
      type: 'invoice.sent',
      id: 'inv-1',
      data: { n: 2 },
    });
    await publish(`${prefix}.in.default`, { type: 'invoice.sent', id: 'inv-2', data: { n: 3 } });
    await eventually(async () => (await queued()) === 0 || undefined, 10_000, 'the queue to empty');
    const events = await eventsOfType(t, 'invoice.sent');
    expect(events.map((e) => e.data.n).sort()).toEqual([1, 3]);
  });

  it('keeps a message’s integers beyond 2^53 as they arrived', async () => {
    await publish(`${prefix}.in.default`, '{"type":"ids.big","data":{"id":1234567890123456789}}');
    const [event] = await eventually(
      async () => {
        const events = await eventsOfType(t, 'ids.big');
        return events.length ? events : undefined;
      },
      10_000,
      'the event',
    );
    expect((await t.api.get(`${BASE}/events/${event!.id}`)).text).toContain(
      '"data":{"id":1234567890123456789}',
    );
  });

  it('takes CloudEvents over NATS, in binary mode (ce-* headers) and in structured mode', async () => {
    const h = headers();
    h.set('ce-specversion', '1.0');
    h.set('ce-type', 'com.example.shipment.sent');
    h.set('ce-source', 'warehouse');
    h.set('ce-id', 'ship-1');
    h.set('ce-subject', 'box-9');
    h.set('content-type', 'application/json');
    await jetstream(nc).publish(`${prefix}.in.default`, JSON.stringify({ weight: 3 }), { headers: h });
    await publish(`${prefix}.in.default`, {
      specversion: '1.0',
      type: 'com.example.shipment.sent',
      source: 'warehouse',
      id: 'ship-2',
      datacontenttype: 'application/json',
      data: { weight: 5 },
      // An extension attribute: a CloudEvent may carry its own (not kept).
      partitionkey: 'dock-4',
    });
    await eventually(async () => (await queued()) === 0 || undefined, 10_000, 'the queue to empty');
    const events = await eventsOfType(t, 'com.example.shipment.sent');
    expect(events.map((e) => [e.source, e.data.weight]).sort()).toEqual([
      ['app:warehouse', 3],
      ['app:warehouse', 5],
    ]);
    expect(events.find((e) => e.data.weight === 3)?.subject).toBe('box-9');
  });

  it('refuses what can never be an event (or would lose a misspelt field), keeps it with the reason, and does not take it again', async () => {
    const rejected: Array<{ subject: string; error: string; body: string }> = [];
    const sub = nc.subscribe(`${prefix}.log.rejected.>`, {
      callback: (_err, m) => {
        const error = m.headers?.get('Eventhook-Error') ?? '';
        rejected.push({ subject: m.subject, error, body: m.string() });
      },
    });
    await nc.flush();
    await publish(`${prefix}.in.default`, 'not json {');
    await publish(`${prefix}.in.nobody`, { type: 'x.y' });
    await publish(`${prefix}.in.default`, { data: { no: 'type' } });
    await publish(`${prefix}.in.default`, { type: 'x.misspelt', dtaa: { lost: true } });
    await publish(`${prefix}.in.default`, { specversion: '1.0', type: 'x.misspelt', Data: { lost: true } });
    // A number JavaScript reads as Infinity would be stored as null.
    await publish(`${prefix}.in.default`, '{"type":"x.big","data":{"n":1e400}}');
    await eventually(async () => (rejected.length === 6 ? true : undefined), 10_000, 'six refusals');
    sub.unsubscribe();
    expect(rejected.map((r) => r.subject).sort()).toEqual([
      ...Array(5).fill(`${prefix}.log.rejected.default`),
      `${prefix}.log.rejected.nobody`,
    ]);
    expect(rejected.find((r) => r.body.includes('dtaa'))?.error).toBe(
      '/dtaa: is not a known field (did you mean data?)',
    );
    expect(rejected.find((r) => r.body.includes('Data'))?.error).toBe(
      '/Data: is not a known field (extension attribute names are lower-case letters and digits)',
    );
    expect(await eventsOfType(t, 'x.misspelt')).toEqual([]);
    expect(rejected.find((r) => r.body.includes('1e400'))?.error).toContain(
      '/data/n: is a number beyond the range of a 64-bit float',
    );
    expect(await eventsOfType(t, 'x.big')).toEqual([]);
    expect(rejected.find((r) => r.body === 'not json {')?.error).toContain(
      'the message is not a JSON object',
    );
    expect(rejected.find((r) => r.subject.endsWith('.nobody'))?.error).toContain('no org nobody');
    expect(rejected.find((r) => r.body.includes('"no"'))?.error).toContain('/type');
    // Stored, though the event log is off here: the intake made the log's stream to keep them.
    const kept = await (
      await jetstream(nc).consumers.get(streamName(prefix), { filter_subjects: `${prefix}.log.rejected.>` })
    ).info();
    expect(kept.num_pending).toBe(6);
    expect(await queued()).toBe(0);
    expect(await metricValue(t, 'eventhook_jetstream_intake_rejected_total', {})).toBe(6);
  });

  it('while the store cannot commit, the message comes back, and becomes one event once it can', async () => {
    // Another connection holds the database's write lock: the commit waits out its busy timeout (5 s) and fails.
    const blocker = new Database(join(t.dataDir, 'eventhook.db'));
    blocker.exec('begin immediate');
    try {
      await publish(`${prefix}.in.default`, { type: 'store.down', data: { n: 1 } });
      await new Promise((r) => setTimeout(r, 7_000));
    } finally {
      blocker.exec('rollback');
      blocker.close();
    }
    await eventually(
      async () => ((await eventsOfType(t, 'store.down')).length > 0 ? true : undefined),
      15_000,
      'the event once the store works',
    );
    expect(await eventsOfType(t, 'store.down')).toHaveLength(1);
    expect(await queued()).toBe(0);
    // It came back: the failed commit handed it back rather than dropping or acknowledging it.
    expect(await metricValue(t, 'eventhook_jetstream_intake_retried_total', {})).toBeGreaterThan(0);
  });

  it('makes its queue again when an operator deleted it, and goes on taking messages', async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.delete(intakeStreamName(prefix), 'eventhook');
    await publish(`${prefix}.in.default`, { type: 'after.delete', data: { n: 1 } });
    await eventually(
      async () => ((await eventsOfType(t, 'after.delete')).length === 1 ? true : undefined),
      20_000,
      'the event published after the consumer was deleted',
    );
    await jsm.streams.delete(intakeStreamName(prefix));
    await eventually(
      async () =>
        (await jsm.streams.info(intakeStreamName(prefix)).catch(() => undefined)) ? true : undefined,
      20_000,
      'the queue to be made again',
    );
    await publish(`${prefix}.in.default`, { type: 'after.delete', data: { n: 2 } });
    await eventually(
      async () => ((await eventsOfType(t, 'after.delete')).length === 2 ? true : undefined),
      20_000,
      'the event published after the stream was deleted',
    );
    expect(await queued()).toBe(0);
  });

  it('keeps what is published while Eventhook is down, and the next process takes it, each message once', async () => {
    const dataDir = t.dataDir;
    await t.close();
    for (let i = 0; i < 5; i++) await publish(`${prefix}.in.default`, { type: 'while.down', data: { i } });
    expect(await queued()).toBe(5);
    // Two processes on the database share the queue.
    t = await start(dataDir);
    const other = await start(dataDir);
    try {
      for (let i = 5; i < 30; i++) await publish(`${prefix}.in.default`, { type: 'while.down', data: { i } });
      await eventually(async () => (await queued()) === 0 || undefined, 15_000, 'the queue to empty');
      const events = await eventsOfType(t, 'while.down');
      expect(events.map((e) => e.data.i).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 30 }, (_, i) => i),
      );
    } finally {
      await other.close();
    }
  });

  it('a process killed while it takes messages: the next takes what it had not acknowledged; none lost, none twice', async () => {
    const crashPrefix = `eh-in-crash-${randomUUID().slice(0, 8)}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'eventhook-intake-crash-'));
    const token = 'eho_intake-crash-token';
    const crashEnv = {
      EVENTHOOK_JETSTREAM_INTAKE: 'on',
      EVENTHOOK_NATS_URL: nats.url,
      EVENTHOOK_NATS_PREFIX: crashPrefix,
      // What the killed process took and did not acknowledge comes back after this.
      EVENTHOOK_JETSTREAM_ACK_WAIT: '2s',
      EVENTHOOK_DATA_DIR: dataDir,
      EVENTHOOK_ADMIN_TOKEN: token,
    };
    try {
      const child = await startChildServer(crashEnv);
      const first = { api: new ApiClient(child.url, token) };
      await checkOk(child.url, 'jetstreamIntake');

      const N = 400;
      const publishing = (async () => {
        for (let i = 0; i < N; i++)
          await publish(`${crashPrefix}.in.default`, { type: 'crash.in', data: { i } });
      })();
      await eventually(
        async () =>
          (await first.api.get(`${BASE}/events?type=crash.in&limit=60`)).body.items.length >= 60 || undefined,
        15_000,
        'the first events',
      );
      await child.kill9();
      await publishing;
      const next = await startTestApp('sqlite', { dataDir, env: crashEnv });
      try {
        await eventually(
          async () => (await queued(crashPrefix)) === 0 || undefined,
          30_000,
          'the queue to empty',
        );
        const events = await eventsOfType({ api: new ApiClient(next.url, token) }, 'crash.in');
        expect(events.map((e) => e.data.i).sort((a, b) => a - b)).toEqual(
          Array.from({ length: N }, (_, i) => i),
        );
      } finally {
        await next.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
