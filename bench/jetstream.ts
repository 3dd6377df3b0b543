// Benchmark: the JetStream event log (EVENTHOOK_JETSTREAM=on). A burst of N events is committed at once into an
// Eventhook on SQLite; the clock runs from the commit until the last of them is in the stream, so it covers routing
// (with the outbox written in the routing transaction), reading the outbox and the events, publishing and waiting for
// JetStream's acknowledgements, and forgetting the published entries. The baseline, in the same run against the same
// NATS server: the same messages (envelope, headers, message id) built and published straight to a stream by one
// client, 256 acknowledgements awaited together (what the log does per pass, without the store). For reference, routing alone:
// the same burst into an Eventhook with the log off, until every event is routed. Reported, medians of the rounds:
// events per second each way, and the log's ratio to the plain publish. Needs NATS with JetStream (BENCH_NATS_URL, default
// nats://127.0.0.1:4222). Settings: BENCH_EVENTS, BENCH_ROUNDS.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect, headers } from '@nats-io/transport-node';
import { newSystemEvent, toEnvelope } from '../src/events/publisher.js';
import { streamName } from '../src/jetstream/subjects.js';
import type { EventRecord } from '../src/store/records.js';
import { machine } from './lib/machine.js';
import { startBenchApp } from './lib/bench-app.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const DATA = { order: { id: 'ord_123', total: 4200, currency: 'EUR' }, items: [{ sku: 'a', qty: 1 }] };

const prefix = `bench-log-${randomUUID().slice(0, 8)}`;
const baselineStream = `${streamName(prefix)}_BASELINE`;
const nc = await connect({ servers: NATS_URL });
const jsm = await jetstreamManager(nc);
const js = jetstream(nc);
await jsm.streams.add({
  name: baselineStream,
  subjects: [`${prefix}.baseline.>`],
  storage: StorageType.File,
  duplicate_window: 5 * 60 * 1e9,
});

const bench = await startBenchApp({
  EVENTHOOK_JETSTREAM: 'on',
  EVENTHOOK_NATS_URL: NATS_URL,
  EVENTHOOK_NATS_PREFIX: prefix,
  EVENTHOOK_SWEEP_INTERVAL: '10ms',
});

const routingOnly = await startBenchApp({ EVENTHOOK_SWEEP_INTERVAL: '10ms' });

const messagesIn = async (stream: string) => (await jsm.streams.info(stream)).state.messages;

async function until(stream: string, count: number): Promise<void> {
  while ((await messagesIn(stream)) < count) await new Promise((r) => setTimeout(r, 2));
}

let logged = 0;
/** Commits N events in one transaction; resolves with events/s from the commit until the last is in the log. */
async function logRound(): Promise<number> {
  // The stream exists once the log has connected.
  while (!(await jsm.streams.find(`${prefix}.log.>`).catch(() => undefined)))
    await new Promise((r) => setTimeout(r, 20));
  await bench.commitEvents(EVENTS, 'order.created', DATA);
  const started = performance.now();
  logged += EVENTS;
  await until(streamName(prefix), logged);
  return EVENTS / ((performance.now() - started) / 1000);
}

/** The burst into the Eventhook without the log; events/s from the commit until every event is routed. */
async function routingRound(): Promise<number> {
  await routingOnly.commitEvents(EVENTS, 'order.created', DATA);
  const started = performance.now();
  while ((await routingOnly.app.store.events.listPending(1)).length > 0)
    await new Promise((r) => setTimeout(r, 2));
  return EVENTS / ((performance.now() - started) / 1000);
}

let published = 0;
/** The same messages (envelope, headers, message id) published straight to JetStream, 256 acknowledged together. */
async function baselineRound(): Promise<number> {
  const now = Date.now();
  const events = Array.from({ length: EVENTS }, () =>
    newSystemEvent({ org: 'default', source: 'app:bench', type: 'order.created', data: DATA, now }),
  );
  const started = performance.now();
  const send = (e: (typeof events)[number]) => {
    const h = headers();
    h.set('Eventhook-Event-Id', e.id);
    h.set('Eventhook-Org', e.org);
    h.set('Eventhook-Source', e.source);
    h.set('Eventhook-Type', e.type);
    h.set('Eventhook-Route-Seq', '1');
    const body = JSON.stringify(toEnvelope({ ...e, routeSeq: 1 } as unknown as EventRecord));
    return js.publish(`${prefix}.baseline.default.order.created`, body, { msgID: `${e.id}.1`, headers: h });
  };
  for (let i = 0; i < events.length; i += 256) await Promise.all(events.slice(i, i + 256).map(send));
  published += EVENTS;
  await until(baselineStream, published);
  return EVENTS / ((performance.now() - started) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const WAYS = ['baseline', 'log', 'routing'] as const;
type Way = (typeof WAYS)[number];
const run: Record<Way, () => Promise<number>> = {
  baseline: baselineRound,
  log: logRound,
  routing: routingRound,
};
const rates: Record<Way, number[]> = { log: [], baseline: [], routing: [] };
const ratios: number[] = [];
try {
  // Warm-up: connections, the JIT, SQLite's cache, both streams' files.
  for (const way of WAYS) await run[way]();
  // Rounds in rotating order: load on a shared machine drifts, and one round sees nearly the same load.
  for (let round = 0; round < ROUNDS; round++) {
    const got = {} as Record<Way, number>;
    for (let i = 0; i < WAYS.length; i++) {
      const way = WAYS[(i + round) % WAYS.length]!;
      got[way] = await run[way]();
      rates[way].push(got[way]);
    }
    ratios.push(got.log / got.baseline);
    console.error(`  round ${round + 1}: ` + WAYS.map((w) => `${w} ${Math.round(got[w])}/s`).join(', '));
  }
} finally {
  await bench.close();
  await routingOnly.close();
  await jsm.streams.delete(baselineStream).catch(() => {});
  await jsm.streams.delete(streamName(prefix)).catch(() => {});
  await nc.close();
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`machine: ${machine()}`);
console.log(`${ROUNDS} rounds of ${EVENTS} events committed at once (SQLite), NATS at ${NATS_URL}`);
console.log(`plain JetStream publish (baseline):       ${fmt(median(rates.baseline))} events/s`);
console.log(`event log (route, outbox, publish, ack):  ${fmt(median(rates.log))} events/s`);
console.log(`routing alone, log off (for reference):   ${fmt(median(rates.routing))} events/s`);
console.log(
  `ratio: ${(median(ratios) * 100).toFixed(1)} % of the plain publish ` +
    `(range ${(Math.min(...ratios) * 100).toFixed(0)}–${(Math.max(...ratios) * 100).toFixed(0)} %)`,
);
