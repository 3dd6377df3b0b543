// Benchmark: the periodic chores must not grow with what the store keeps. On SQLite (production durability, the
// ingest writer thread), two chores, each against a baseline in the same run:
// - the lease sweep (every sweep interval, 2 s by default): time to find running workflows and tasks whose lease
//   expired, with none kept (the baseline) and with BENCH_KEPT (default 200,000) finished tasks and workflows kept;
// - the retention prune (hourly): webhook commits go on at one every 5 ms while BENCH_PRUNE (default 100,000) old
//   events, each with an action, are pruned; their latency p99 and maximum against the same commits without a prune.
// Settings: BENCH_KEPT, BENCH_PRUNE.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ulid } from 'ulid';
import { newId, type EventId, type RuleId } from '../src/core/ids.js';
import { newSystemEvent } from '../src/events/publisher.js';
import { openSqliteStore } from '../src/store/adapters/sqlite/index.js';
import type { Store } from '../src/store/port.js';
import type { NewAction, TaskRecord } from '../src/store/records.js';
import { machine } from './lib/machine.js';

const KEPT = Number(process.env.BENCH_KEPT ?? 200_000);
const PRUNE = Number(process.env.BENCH_PRUNE ?? 100_000);
const DAY = 86_400_000;

const dir = mkdtempSync(join(tmpdir(), 'eventhook-bench-sweeps-'));
const store = await openSqliteStore({ path: join(dir, 'eventhook.db') });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function sweepMs(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    await store.workflows.releaseExpired(Date.now(), 'lease expired', 3);
    await store.tasks.releaseExpired(Date.now(), 'lease expired', 3);
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** `n` finished executions in each of workflows and tasks, as a busy engine leaves behind. */
async function keepFinished(n: number): Promise<void> {
  const now = Date.now();
  for (let done = 0; done < n; done += 5_000) {
    await store.transaction(async (tx) => {
      for (let i = done; i < Math.min(n, done + 5_000); i++) {
        const record: TaskRecord = {
          id: newId('task', now),
          org: 'default',
          kind: 'bench',
          queue: 'default',
          status: 'completed',
          input: { i },
          output: { ok: true },
          error: null,
          idempotencyKey: null,
          metadata: {},
          workerId: null,
          leaseUntil: now - 60_000,
          createdAt: now - 120_000,
          startedAt: now - 110_000,
          completedAt: now - 100_000,
          correlationId: null,
          traceparent: null,
          maxRetries: 3,
          executionCount: 1,
        };
        await tx.tasks.insertIdempotent(record);
        await tx.workflows.insertIdempotent({ ...record, id: newId('workflow', now) });
      }
    });
  }
}

/** Webhook-like commits, one every 5 ms for `ms`, while `during` runs; their latencies. */
async function commitsWhile(ms: number, during?: () => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  let stop = false;
  const writer = (async () => {
    while (!stop) {
      const now = Date.now();
      const event = newSystemEvent({
        org: 'default',
        source: 'app:bench',
        type: 'bench.live',
        data: { now },
        now,
      });
      const t0 = performance.now();
      await store.commitIngest([{ event }], now);
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const started = performance.now();
  await during?.();
  const left = ms - (performance.now() - started);
  if (left > 0) await new Promise((r) => setTimeout(r, left));
  stop = true;
  await writer;
  return latencies;
}

/** `n` events received long ago (as by another process: ids carry their time), each with an action. */
async function oldEvents(s: Store, n: number, at: number): Promise<void> {
  for (let done = 0; done < n; done += 2_000) {
    const size = Math.min(2_000, n - done);
    const events = Array.from({ length: size }, (_, i) => {
      const time = at + done + i;
      return {
        event: {
          ...newSystemEvent({
            org: 'default',
            source: 'app:bench',
            type: 'bench.old',
            data: { i },
            now: time,
          }),
          id: `evt_${ulid(time)}` as EventId,
        },
      };
    });
    const actions: NewAction[] = events.map(({ event }, i) => ({
      id: newId('action'),
      org: 'default',
      eventId: event.id,
      ruleId: 'rule_bench' as RuleId,
      ruleName: 'bench',
      targetIndex: 0,
      targetType: 'task',
      target: { type: 'task', kind: 'bench' },
      routeSeq: 1,
      maxAttempts: 1,
      idempotencyKey: `old-${done + i}`,
      nextAttemptAt: at,
      status: 'dead',
      lastError: 'kept for the benchmark',
    }));
    await s.transaction(async (tx) => {
      await tx.events.ingest(events, at);
      await tx.actions.insertMany(actions, at);
    });
  }
}

try {
  const emptySweep = await sweepMs();
  await keepFinished(KEPT);
  const keptSweep = await sweepMs();

  const oldAt = Date.now() - 90 * DAY;
  await oldEvents(store, PRUNE, oldAt);
  await commitsWhile(500); // warm-up
  const baseline = await commitsWhile(3_000);
  let pruneMs = 0;
  let pruned = 0;
  const during = await commitsWhile(3_000, async () => {
    const t0 = performance.now();
    pruned = await store.events.prune(Date.now() - 30 * DAY);
    pruneMs = performance.now() - t0;
  });
  if (pruned !== PRUNE) throw new Error(`pruned ${pruned} events, expected ${PRUNE}`);

  console.log(`machine: ${machine()}`);
  console.log(`lease sweep (workflows + tasks), median of 30:`);
  console.log(`  nothing kept:                           ${emptySweep.toFixed(3)} ms`);
  console.log(
    `  ${KEPT.toLocaleString('en-US')} finished of each kept:     ${keptSweep.toFixed(3)} ms (${(keptSweep / emptySweep).toFixed(1)}×)`,
  );
  console.log(
    `retention prune of ${PRUNE.toLocaleString('en-US')} events with their actions: ${(pruneMs / 1000).toFixed(1)} s`,
  );
  const fmt = (xs: number[]) =>
    `${xs.length} commits, p50 ${percentile(xs, 0.5).toFixed(1)} ms, p99 ${percentile(xs, 0.99).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
  console.log(`  commits without a prune: ${fmt(baseline)}`);
  console.log(`  commits during the prune: ${fmt(during)}`);
  console.log(`  ratio of maxima: ${(Math.max(...during) / Math.max(...baseline)).toFixed(1)}×`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
