// Benchmark: the JetStream intake (EVENTHOOK_JETSTREAM_INTAKE=on). N events wait in the intake's work queue before an
// Eventhook (API role, SQLite) starts; the clock runs from its first committed event to its last, so it covers taking
// each message from the durable consumer, committing its event through the publish service and the group committer
// (durably, with its idempotency key), and acknowledging it. The baseline, in the same run against the same NATS
// server: the same N messages in another work queue, taken by a plain consumer that acknowledges each at once. Reported,
// medians of the rounds: messages per second both ways and their ratio. Needs NATS with JetStream (BENCH_NATS_URL,
// default nats://127.0.0.1:4222). Settings: BENCH_EVENTS, BENCH_ROUNDS.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pino from 'pino';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { intakeStreamName } from '../src/jetstream/subjects.js';
import { machine } from './lib/machine.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';

const nc = await connect({ servers: NATS_URL });
const jsm = await jetstreamManager(nc);
const js = jetstream(nc);

/** N order events, as an application publishes them, into `subject`. */
async function preload(subject: string): Promise<void> {
  for (let i = 0; i < EVENTS; i += 256) {
    await Promise.all(
      Array.from({ length: Math.min(256, EVENTS - i) }, (_, k) =>
        js.publish(
          subject,
          JSON.stringify({ type: 'order.placed', source: 'checkout', data: { order: i + k, total: 4200 } }),
        ),
      ),
    );
  }
}

/** A work queue and its durable consumer, made as the intake makes its own. */
async function workQueue(stream: string, subjects: string): Promise<void> {
  await jsm.streams.add({
    name: stream,
    subjects: [subjects],
    storage: StorageType.File,
    retention: RetentionPolicy.Workqueue,
  });
  await jsm.consumers.add(stream, {
    durable_name: 'eventhook',
    ack_policy: AckPolicy.Explicit,
    ack_wait: 30e9,
    max_ack_pending: 1_000,
  });
}

async function intakeRound(): Promise<number> {
  const prefix = `bench-in-${randomUUID().slice(0, 8)}`;
  await workQueue(intakeStreamName(prefix), `${prefix}.in.>`);
  await preload(`${prefix}.in.default`);
  const dir = mkdtempSync(join(tmpdir(), 'eventhook-bench-'));
  const config = loadConfig(
    {
      EVENTHOOK_DATA_DIR: dir,
      EVENTHOOK_ADMIN_TOKEN: 'eho_bench-token',
      EVENTHOOK_LOG_LEVEL: 'warn',
      EVENTHOOK_ROLE: 'api',
      EVENTHOOK_JETSTREAM_INTAKE: 'on',
      EVENTHOOK_NATS_URL: NATS_URL,
      EVENTHOOK_NATS_PREFIX: prefix,
    },
    { cwd: dir },
  );
  const app = await createApp(config, { logger: pino({ level: 'warn' }) });
  try {
    // Events the app committed so far, from its own metrics (read in-process, no network in between).
    const committed = async () => {
      const res = await app.server.inject({
        url: '/metrics',
        headers: { authorization: 'Bearer eho_bench-token' },
      });
      return Number(/eventhook_events_received_total\{[^}]*\} (\d+)/.exec(res.body)?.[1] ?? 0);
    };
    let first = 0;
    let started = 0;
    for (;;) {
      first = await committed();
      if (first > 0) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    started = performance.now();
    while ((await committed()) < EVENTS) await new Promise((r) => setTimeout(r, 2));
    return (EVENTS - first) / ((performance.now() - started) / 1000);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
    await jsm.streams.delete(intakeStreamName(prefix)).catch(() => {});
  }
}

async function baselineRound(): Promise<number> {
  const stream = `BENCH_BASELINE_${randomUUID().slice(0, 8).toUpperCase()}`;
  const subject = `bench-baseline-${stream}.in.default`;
  await workQueue(stream, subject);
  await preload(subject);
  try {
    const consumer = await js.consumers.get(stream, 'eventhook');
    const messages = await consumer.consume({ max_messages: 256 });
    let taken = 0;
    let started = 0;
    for await (const m of messages) {
      if (taken === 0) started = performance.now();
      m.json();
      m.ack();
      if (++taken === EVENTS) break;
    }
    await messages.close();
    return (EVENTS - 1) / ((performance.now() - started) / 1000);
  } finally {
    await jsm.streams.delete(stream).catch(() => {});
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rates = { intake: [] as number[], baseline: [] as number[] };
const ratios: number[] = [];
try {
  await intakeRound();
  await baselineRound();
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['baseline', 'intake'] as const) : (['intake', 'baseline'] as const);
    const got = { intake: 0, baseline: 0 };
    for (const way of order) got[way] = way === 'intake' ? await intakeRound() : await baselineRound();
    rates.intake.push(got.intake);
    rates.baseline.push(got.baseline);
    ratios.push(got.intake / got.baseline);
    console.error(
      `  round ${round + 1}: intake ${Math.round(got.intake)}/s, baseline ${Math.round(got.baseline)}/s`,
    );
  }
} finally {
  await nc.close();
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`machine: ${machine()}`);
console.log(`${ROUNDS} rounds of ${EVENTS} events waiting in a work queue, NATS at ${NATS_URL}`);
console.log(`plain consumer, acknowledging at once (baseline): ${fmt(median(rates.baseline))} messages/s`);
console.log(`intake (take, commit durably, acknowledge):      ${fmt(median(rates.intake))} messages/s`);
console.log(
  `ratio: ${(median(ratios) * 100).toFixed(1)} % of the plain consumer ` +
    `(range ${(Math.min(...ratios) * 100).toFixed(0)}–${(Math.max(...ratios) * 100).toFixed(0)} %)`,
);
