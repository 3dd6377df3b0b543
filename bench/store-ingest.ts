// Benchmark: what committing ingested events costs the SQLite store per event. Batches of 25 GitHub-sized events (1 KiB
// raw body, parsed data, headers) go through the real store as the group committer sends them (Store.commitIngest:
// idempotency-key claims and row inserts on the writer thread, one durable commit, checkpoints on the checkpointer
// thread) into a fresh database per run. Two ways, interleaved in the same run: without idempotency keys (the
// baseline) and with a random key per event (what a GitHub source does). Reported, medians of the runs: the main
// thread's busy time per event (event-loop utilisation: what the request-serving thread still spends), the CPU time
// of the whole process per event (every thread), and the longest the main thread was blocked. Settings:
// BENCH_EVENTS (per run), BENCH_RUNS.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { SourceId } from '../src/core/ids.js';
import { newSystemEvent } from '../src/events/publisher.js';
import { openSqliteStore } from '../src/store/adapters/sqlite/index.js';
import { machine } from './lib/machine.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 40_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 6);
const BATCH = 25;
const SOURCE = 'src_bench' as SourceId;
const RAW = Buffer.alloc(1024, 'x');
const DATA = { ref: 'refs/heads/main', repository: { full_name: 'acme/widgets' }, pad: 'y'.repeat(700) };

interface Way {
  name: string;
  keys: boolean;
}

const WAYS: Way[] = [
  { name: 'no idempotency keys (baseline)', keys: false },
  { name: 'a random idempotency key per event', keys: true },
];

interface Result {
  /** Main-thread busy µs per event. */
  perEvent: number;
  /** CPU µs of the process (all threads) per event. */
  cpuPerEvent: number;
  blockedMs: number;
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
        event: { ...event, sourceId: SOURCE, rawBody: RAW, headers: { 'x-github-event': 'push' } },
        ...(way.keys ? { dedup: { sourceId: SOURCE, key: randomUUID(), windowMs: 7 * 86_400_000 } } : {}),
      };
    });
    await store.commitIngest(items, now);
  }
  const busy = performance.eventLoopUtilization(before).active;
  const cpu = process.cpuUsage(cpuBefore);
  delay.disable();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    perEvent: (busy * 1000) / EVENTS,
    cpuPerEvent: (cpu.user + cpu.system) / EVENTS,
    blockedMs: delay.max / 1e6,
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
      `${(m / base).toFixed(2)} × baseline, longest main-thread block ${median(rs.map((x) => x.blockedMs)).toFixed(0)} ms`,
  );
}
