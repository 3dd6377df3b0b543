// Benchmark: an endpoint's health (GET /endpoints/{endpoint}: state, success rate and latency of its latest attempts in
// the last 24 h, queue counts) must not slow down as the endpoint's delivery history grows (issue 6 §10). One Eventhook
// on SQLite holds two endpoints: `fresh` with 1,000 deliveries (the baseline) and `busy` with 1,000 + BENCH_HISTORY
// (default 200,000), each a succeeded action with its attempt, all inside the health window. Both answers sample the
// same 1,000 attempts; the time of the busy one against the fresh one, medians of alternating calls, is the ratio.
// Before migration 008 the busy answer read every action of the endpoint's history: 200–330 ms at 200,000.
import { performance } from 'node:perf_hooks';
import { machine } from './lib/machine.js';
import { BASE, startBenchApp } from './lib/bench-app.js';
import { seedDeliveries } from './lib/seed-deliveries.js';

const HISTORY = Number(process.env.BENCH_HISTORY ?? 200_000);
const CALLS = Number(process.env.BENCH_CALLS ?? 30);

const bench = await startBenchApp();
const { app, call } = bench;

/** `n` deliveries to `endpoint`, each an action that succeeded at its first attempt, spread over the last hour. */
const deliveries = (endpoint: string, n: number) =>
  seedDeliveries(app, endpoint, n, { from: Date.now() - 3_600_000, spanMs: 3_600_000 });

try {
  for (const slug of ['fresh', 'busy'])
    await call('POST', `${BASE}/endpoints`, { slug, url: 'http://127.0.0.1:9/hooks', status: 'paused' });
  const loadStarted = performance.now();
  await deliveries('fresh', 1_000);
  await deliveries('busy', 1_000 + HISTORY);
  console.error(
    `  loaded ${(2_000 + HISTORY).toLocaleString('en-US')} deliveries in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`,
  );

  const health = async (slug: string) => {
    const t0 = performance.now();
    const res = await app.server.inject({
      method: 'GET',
      url: `${BASE}/endpoints/${slug}`,
      headers: { authorization: 'Bearer eho_bench-token' },
    });
    const ms = performance.now() - t0;
    const body = res.json<{ health: { attempts: number; queue: { depth: number } } }>();
    if (res.statusCode !== 200 || body.health.attempts !== 1_000)
      throw new Error(`${slug}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    return ms;
  };
  const times: Record<string, number[]> = { fresh: [], busy: [] };
  for (let i = 0; i < CALLS + 3; i++) {
    for (const slug of i % 2 === 0 ? ['fresh', 'busy'] : ['busy', 'fresh']) {
      const ms = await health(slug);
      if (i >= 3) times[slug]!.push(ms); // the first calls warm up the JIT and the page cache
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const fresh = median(times.fresh!);
  const busy = median(times.busy!);
  console.log(`machine: ${machine()}`);
  console.log(`GET /endpoints/{endpoint}, ${CALLS} alternating calls each, SQLite`);
  console.log(`fresh (1,000 deliveries):                   ${fresh.toFixed(2)} ms (median)`);
  console.log(
    `busy (${(1_000 + HISTORY).toLocaleString('en-US')} deliveries): ${busy.toFixed(2)} ms (median)`,
  );
  console.log(`busy / fresh: ${(busy / fresh).toFixed(2)}×`);
} finally {
  await bench.close();
}
