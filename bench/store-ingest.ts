// Benchmark: what committing ingested events costs the SQLite store per event. Batches of 25 GitHub-sized events (a
// 1 KiB JSON body, its parsed data, headers) go through the real store as the group committer sends them
// (Store.commitIngest: idempotency-key claims and row inserts on the writer thread, one durable commit, checkpoints
// on the checkpointer thread) into a fresh database per run. Four ways, interleaved in the same run: without
// idempotency keys (the baseline) and with a random key per event (what a GitHub source does), each with the body
// stored twice (raw bytes and data, as before migration 006) and once (the data's text, as ingest now stores a JSON
// webhook). Reported, medians of the runs: the main thread's busy time per event (event-loop utilisation: what the
// request-serving thread still spends), the CPU time of the whole process per event (every thread), the database
// file's size per event, and the longest the main thread was blocked. Settings: BENCH_EVENTS (per run), BENCH_RUNS.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { JsonValue } from '../src/core/envelope.js';
import type { SourceId } from '../src/core/ids.js';
import { newSystemEvent } from '../src/events/publisher.js';
import { openSqliteStore } from '../src/store/adapters/sqlite/index.js';
import { machine } from './lib/machine.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 40_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 6);
const BATCH = 25;
const SOURCE = 'src_bench' as SourceId;
const TEXT = JSON.stringify(
  { ref: 'refs/heads/main', repository: { full_name: 'acme/widgets' }, pad: 'y'.repeat(958) },
  null,
  1,
);
const RAW = Buffer.from(TEXT);
const DATA = JSON.parse(TEXT) as JsonValue;

interface Way {
  name: string;
  keys: boolean;
  /** The body stored once, as the data's text. */
  once: boolean;
}

const WAYS: Way[] = [
  { name: 'no keys, body twice (baseline)', keys: false, once: false },
  { name: 'no keys, body once', keys: false, once: true },
  { name: 'a random key per event, body twice', keys: true, once: false },
  { name: 'a random key per event, body once', keys: true, once: true },
];

interface Result {
  /** Main-thread busy µs per event. */
  perEvent: number;
  /** CPU µs of the process (all threads) per event. */
  cpuPerEvent: number;
  blockedMs: number;
  /** Database file bytes per event, after the store closed (and checkpointed its log). */
  bytesPerEvent: number;
}

/** What one fresh database costs per event. */
async function run(way: Way): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'eventhook-bench-store-'));
  const store = await openSqliteStore({ path: join(dir, 'eventhook.db') });
  // Starts the writer thread before the clock does.
  await store.commitIngest([], Date.now());
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const before = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < EVENTS / BATCH; i++) {
    const now = Date.now();
    const items = Array.from({ length: BATCH }, () => {
      const event = newSystemEvent({ org: 'default', source: 'github', type: 'push', data: DATA, now });
      return {
        event: {
          ...event,
          sourceId: SOURCE,
          rawBody: RAW,
          ...(way.once ? { bodyText: TEXT } : {}),
          headers: { 'x-github-event': 'push' },
        },
        ...(way.keys ? { dedup: { sourceId: SOURCE, key: randomUUID(), windowMs: 7 * 86_400_000 } } : {}),
      };
    });
    await store.commitIngest(items, now);
  }
  const busy = performance.eventLoopUtilization(before).active;
  const cpu = process.cpuUsage(cpuBefore);
  delay.disable();
  await store.close();
  const bytes = statSync(join(dir, 'eventhook.db')).size;
  rmSync(dir, { recursive: true, force: true });
  return {
    perEvent: (busy * 1000) / EVENTS,
    cpuPerEvent: (cpu.user + cpu.system) / EVENTS,
    blockedMs: delay.max / 1e6,
    bytesPerEvent: bytes / EVENTS,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`machine: ${machine()}`);
console.log(
  `${RUNS} runs of ${EVENTS} events in batches of ${BATCH}, each way on a fresh database, interleaved`,
);
const results = new Map<Way, Result[]>(WAYS.map((w) => [w, []]));
for (let r = 0; r < RUNS; r++) for (const way of WAYS) results.get(way)!.push(await run(way));
const base = median(results.get(WAYS[0]!)!.map((x) => x.cpuPerEvent));
for (const way of WAYS) {
  const rs = results.get(way)!;
  const cpu = rs.map((x) => x.cpuPerEvent);
  const m = median(cpu);
  console.log(
    `${way.name.padEnd(40)} main thread ${median(rs.map((x) => x.perEvent)).toFixed(1)} µs/event, ` +
      `process CPU ${m.toFixed(1)} µs/event (range ${Math.min(...cpu).toFixed(0)}–${Math.max(...cpu).toFixed(0)}), ` +
      `${(m / base).toFixed(2)} × baseline, database ${median(rs.map((x) => x.bytesPerEvent)).toFixed(0)} bytes/event, ` +
      `longest main-thread block ${median(rs.map((x) => x.blockedMs)).toFixed(0)} ms`,
  );
}
