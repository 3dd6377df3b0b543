// What the JetStream intake refuses is kept, with the reason, on `{prefix}.log.rejected.{org}` whether the event log
// is on or off, and once: with the log off the intake makes the log's stream itself (bounded), the log takes it over
// when turned on, and a refusal that cannot be stored (the stream deleted by hand) stays in the queue until it can.
// Against the real NATS server on 127.0.0.1:4222, each test with a prefix (and so streams) of its own.
import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JetStreamEventLog } from '../../src/jetstream/event-log.js';
import { JetStreamIntake } from '../../src/jetstream/intake.js';
import { ensureRefusalsKept, keepRefusal, REFUSALS_MAX_BYTES } from '../../src/jetstream/refusals.js';
import { intakeStreamName, streamName } from '../../src/jetstream/subjects.js';
import type { Store } from '../../src/store/port.js';
import { eventually } from '../helpers/app.js';
import { tcpAvailable } from '../helpers/services.js';

const URL = 'nats://127.0.0.1:4222';
const natsUp = await tcpAvailable('NATS', '127.0.0.1', 4222);
const logger = pino({ level: 'silent' });
const DAY_MS = 86_400_000;

interface Kept {
  subject: string;
  error: string | undefined;
  from: string | undefined;
  body: string;
}

describe.skipIf(!natsUp)('JetStream intake: refused messages are kept', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const prefixes: string[] = [];
  const closers: (() => Promise<void>)[] = [];

  const newPrefix = () => {
    const prefix = `eh-refused-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    return prefix;
  };
  const startIntake = async (prefix: string) => {
    let refused = 0;
    let retried = 0;
    const intake = new JetStreamIntake({
      url: URL,
      prefix,
      ackWaitMs: 30_000,
      maxAgeMs: 7 * DAY_MS,
      // Every message of these tests is refused before it would be committed.
      publish: () => Promise.reject(new Error('nothing is committed in these tests')),
      orgs: {
        get: async (org) =>
          org === 'acme'
            ? { slug: org, name: org, createdAt: 0, rulesVersion: 0, deletedAt: null }
            : undefined,
      },
      logger,
      onRejected: () => void refused++,
      onRetried: () => void retried++,
    });
    closers.push(() => intake.close());
    await eventually(async () => intake.state === 'connected' || undefined, 10_000, 'the intake to connect');
    return { intake, refused: () => refused, retried: () => retried };
  };
  /** The event log, as a worker process runs it; nothing is routed here, so its store is never read. */
  const startLog = async (prefix: string) => {
    const log = new JetStreamEventLog({
      url: URL,
      prefix,
      replicas: 1,
      maxAgeMs: 30 * DAY_MS,
      store: {} as Store,
      logger,
      now: () => Date.now(),
    });
    closers.push(() => log.close());
    await eventually(async () => log.state === 'connected' || undefined, 10_000, 'the event log to connect');
    return log;
  };
  const publish = (subject: string, body: string) => jetstream(nc).publish(subject, body);
  /** Every message on the rejected subjects, read back from the stream that stores them. */
  const keptOf = async (prefix: string): Promise<Kept[]> => {
    const consumer = await jetstream(nc).consumers.get(streamName(prefix), {
      filter_subjects: `${prefix}.log.rejected.>`,
    });
    const pending = (await consumer.info()).num_pending;
    const out: Kept[] = [];
    if (pending === 0) return out;
    for await (const m of await consumer.fetch({ max_messages: pending, expires: 5_000 })) {
      out.push({
        subject: m.subject,
        error: m.headers?.get('Eventhook-Error'),
        from: m.headers?.get('Eventhook-Subject'),
        body: m.string(),
      });
      if (out.length === pending) break;
    }
    return out;
  };
  /** Waits until `n` refusals are kept, and checks no more arrive a little later. */
  const kept = async (prefix: string, n: number) => {
    await eventually(
      async () => ((await keptOf(prefix)).length >= n ? true : undefined),
      15_000,
      `${n} kept refusals`,
    );
    await new Promise((r) => setTimeout(r, 300));
    return keptOf(prefix);
  };
  const queued = async (prefix: string) => (await jsm.streams.info(intakeStreamName(prefix))).state.messages;

  beforeAll(async () => {
    nc = await connect({ servers: URL });
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    for (const close of closers.splice(0)) await close();
    for (const prefix of prefixes) {
      for (const name of [streamName(prefix), intakeStreamName(prefix)])
        await jsm.streams.delete(name).catch(() => {});
    }
    await nc?.close();
  });

  it('with the event log off, the intake makes the log’s stream, bounded, and a refusal can be read back from it', async () => {
    const prefix = newPrefix();
    const intake = await startIntake(prefix);
    const info = await jsm.streams.info(streamName(prefix));
    expect(info.config).toMatchObject({
      subjects: [`${prefix}.log.>`],
      max_bytes: REFUSALS_MAX_BYTES,
      max_age: 7 * DAY_MS * 1_000_000,
    });

    await publish(`${prefix}.in.acme`, 'not json {');
    await publish(`${prefix}.in.nobody.team`, JSON.stringify({ type: 'x.y' }));
    const refusals = await kept(prefix, 2);
    expect(refusals).toEqual([
      {
        subject: `${prefix}.log.rejected.acme`,
        error: 'the message is not a JSON object (nor a CloudEvent in binary mode)',
        from: `${prefix}.in.acme`,
        body: 'not json {',
      },
      {
        subject: `${prefix}.log.rejected.nobody`,
        error: `no org nobody: publish to ${prefix}.in.{org}`,
        from: `${prefix}.in.nobody.team`,
        body: '{"type":"x.y"}',
      },
    ]);
    expect(await queued(prefix)).toBe(0);
    expect(intake.refused()).toBe(2);
  });

  it('with the event log on, a refusal is kept once, in the log’s stream, which the intake leaves as the log set it', async () => {
    const prefix = newPrefix();
    await startLog(prefix);
    await startIntake(prefix);
    await publish(`${prefix}.in.acme`, '[1, 2]');
    expect(await kept(prefix, 1)).toEqual([
      expect.objectContaining({ subject: `${prefix}.log.rejected.acme`, body: '[1, 2]' }),
    ]);
    expect((await jsm.streams.info(streamName(prefix))).config).toMatchObject({
      max_bytes: -1,
      max_age: 30 * DAY_MS * 1_000_000,
    });
    expect(await queued(prefix)).toBe(0);
  });

  it('the event log turned on later takes the stream over, with the refusals kept before', async () => {
    const prefix = newPrefix();
    await startIntake(prefix);
    await publish(`${prefix}.in.acme`, 'before');
    await kept(prefix, 1);
    await startLog(prefix);
    expect((await jsm.streams.info(streamName(prefix))).config).toMatchObject({
      subjects: [`${prefix}.log.>`],
      max_bytes: -1,
      max_age: 30 * DAY_MS * 1_000_000,
    });
    // An intake started now finds the log's stream and leaves it alone.
    await startIntake(prefix);
    expect((await jsm.streams.info(streamName(prefix))).config.max_bytes).toBe(-1);
    await publish(`${prefix}.in.acme`, 'after');
    expect((await kept(prefix, 2)).map((k) => k.body)).toEqual(['before', 'after']);
  });

  it('a refusal that cannot be stored stays in the queue, and is kept once the stream is back', async () => {
    const prefix = newPrefix();
    const intake = await startIntake(prefix);
    await jsm.streams.delete(streamName(prefix));
    await publish(`${prefix}.in.acme`, 'while the stream was gone');
    // The publish fails, the message is handed back, the stream is made again, and the message's next turn keeps it.
    await eventually(async () => intake.retried() > 0 || undefined, 10_000, 'the message handed back');
    expect(intake.refused()).toBe(0);
    expect((await kept(prefix, 1)).map((k) => k.body)).toEqual(['while the stream was gone']);
    expect(await queued(prefix)).toBe(0);
    expect(intake.refused()).toBe(1);
  });

  it('a message that is not UTF-8 is refused, and kept as it came, rather than stored with U+FFFD', async () => {
    const prefix = `fidelity-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    const intake = await startIntake(prefix);
    const body = Buffer.concat([
      Buffer.from('{"type":"t","data":"caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}'),
    ]);
    await jetstream(nc).publish(`${prefix}.in.acme`, body);
    await eventually(async () => intake.refused() === 1 || undefined, 10_000, 'the message refused');
    const [refusal] = await kept(prefix, 1);
    expect(refusal!.error).toBe('the message is not UTF-8 text');
    expect(intake.retried()).toBe(0);
  });

  it('a CloudEvent in binary mode whose data is not text is refused, rather than stored with U+FFFD', async () => {
    const prefix = `fidelity-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    const intake = await startIntake(prefix);
    const h = headers();
    for (const [name, value] of Object.entries({
      'ce-specversion': '1.0',
      'ce-type': 'bin',
      'ce-source': 's',
      'content-type': 'application/octet-stream',
    }))
      h.set(name, value);
    await jetstream(nc).publish(`${prefix}.in.acme`, Buffer.from([0x61, 0xff, 0x00]), { headers: h });
    await eventually(async () => intake.refused() === 1 || undefined, 10_000, 'the message refused');
    const [refusal] = await kept(prefix, 1);
    expect(refusal!.error).toContain('/data: is not UTF-8 text');
  });

  it('the same message refused twice (redelivered after a crash) is stored once', async () => {
    const prefix = newPrefix();
    await ensureRefusalsKept(jsm, { prefix, maxAgeMs: DAY_MS, logger });
    // A message taken from a queue of the test's own, as the intake takes one.
    const queue = intakeStreamName(prefix);
    await jsm.streams.add({ name: queue, subjects: [`${prefix}.in.>`] });
    await publish(`${prefix}.in.acme`, 'twice');
    const consumer = await jetstream(nc).consumers.get(queue);
    const m = await consumer.next({ expires: 5_000 });
    expect(m).not.toBeNull();
    await keepRefusal(nc, prefix, m!, 'acme', 'line one\nline two');
    await keepRefusal(nc, prefix, m!, 'acme', 'line one\nline two');
    expect(await kept(prefix, 1)).toEqual([
      {
        subject: `${prefix}.log.rejected.acme`,
        error: 'line one line two',
        from: `${prefix}.in.acme`,
        body: 'twice',
      },
    ]);
  });
});
