// Benchmark: what committing ingested events costs the SQLite store, per event, on the thread that serves requests.
// Batches of 25 GitHub-sized events (1 KiB raw body, parsed data, headers) go through the real store as the group
// committer sends them — idempotency-key claims, one multi-row insert, a durable commit — into a fresh database
// per run. Three ways, interleaved in the same run: without idempotency keys (the baseline); with a random key per
// event (what a GitHub source does) at the store's checkpoint threshold; the same at SQLite's own threshold.
// Reported: main-thread busy time per event (event-loop utilisation) and the longest the thread was blocked (a
// checkpoint runs inside the commit that crosses the threshold), medians of the runs. Settings: BENCH_EVENTS (per
// run), BENCH_RUNS.
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
  /** Log pages between checkpoints (else the store's default). */
  walAutocheckpoint?: number;
}

const WAYS: Way[] = [
  { name: 'no idempotency keys (baseline)', keys: false },
  { name: 'idempotency keys, checkpoint every 4,000 log pages (default)', keys: true },
  {
    name: 'idempotency keys, checkpoint every 1,000 log pages (SQLite’s)',
    keys: true,
    walAutocheckpoint: 1000,
  },
];

/** Main-thread busy µs per event, and the longest the thread was blocked (ms), for one fresh database. */
async function run(way: Way): Promise<{ perEvent: number; blockedMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'eventhook-bench-store-'));
  const store = await openSqliteStore({
    path: join(dir, 'eventhook.db'),
    ...(way.walAutocheckpoint !== undefined ? { walAutocheckpoint: way.walAutocheckpoint } : {}),
  });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const before = performance.eventLoopUtilization();
  for (let i = 0; i < EVENTS / BATCH; i++) {
    const now = Date.now();
    const items = Array.from({ length: BATCH }, () => {
      const event = newSystemEvent({ org: 'default', source: 'github', type: 'push', data: DATA, now });
      return {
        event: { ...event, sourceId: SOURCE, rawBody: RAW, headers: { 'x-github-event': 'push' } },
        ...(way.keys ? { dedup: { sourceId: SOURCE, key: randomUUID(), windowMs: 7 * 86_400_000 } } : {}),
      };
    });
    await store.transaction((tx) => tx.events.ingest(items, now));
  }
  const busy = performance.eventLoopUtilization(before).active;
  delay.disable();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { perEvent: (busy * 1000) / EVENTS, blockedMs: delay.max / 1e6 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`machine: ${machine()}`);
console.log(
  `${RUNS} runs of ${EVENTS} events in batches of ${BATCH}, each way on a fresh database, interleaved`,
);
const results = new Map<Way, Array<{ perEvent: number; blockedMs: number }>>(WAYS.map((w) => [w, []]));
for (let r = 0; r < RUNS; r++) for (const way of WAYS) results.get(way)!.push(await run(way));
const base = median(results.get(WAYS[0]!)!.map((x) => x.perEvent));
for (const way of WAYS) {
  const xs = results.get(way)!.map((x) => x.perEvent);
  const m = median(xs);
  const blocked = median(results.get(way)!.map((x) => x.blockedMs));
  console.log(
    `${way.name.padEnd(70)} ${m.toFixed(1).padStart(6)} µs/event (range ${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}), ${(m / base).toFixed(2)} × baseline, longest block ${blocked.toFixed(0)} ms`,
  );
}
