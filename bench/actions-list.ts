// Benchmark: listing actions by endpoint, by rule and the dead-letter queues (GET /actions?endpoint=…&status=dead,
// ?rule=…, and the bulk retry's dry run over the org's queue; issue 6 §5) must not slow down with the org's delivery
// history. One Eventhook on SQLite holds two endpoints: `busy` with 1,000 dead letters from an outage at the start of
// the last hour and BENCH_HISTORY (default 200,000) deliveries after it, and `quiet` with 1,000 deliveries and 50 dead
// letters a day earlier, each endpoint's actions routed by a rule of its own. The baseline is the first page of the
// org's actions, unfiltered (the newest rows); each other request's median time, from rotating calls, is divided by
// the baseline's.
import { performance } from 'node:perf_hooks';
import { newId, type RuleId } from '../src/core/ids.js';
import { machine } from './lib/machine.js';
import { BASE, startBenchApp } from './lib/bench-app.js';
import { seedDeliveries } from './lib/seed-deliveries.js';

const HISTORY = Number(process.env.BENCH_HISTORY ?? 200_000);
const CALLS = Number(process.env.BENCH_CALLS ?? 30);
const HOUR = 3_600_000;

const bench = await startBenchApp();
const { app, call } = bench;

const PAGE = 50;
/** What each request is shown as, how it is sent, and how many actions it must find. */
interface Request {
  shown: string;
  options: { method: 'GET' | 'POST'; url: string; payload?: object };
  finds: number;
}
const page = (filter: string): Request => ({
  shown: filter || '(no filter)',
  options: { method: 'GET', url: `${BASE}/actions?${filter ? `${filter}&` : ''}limit=${PAGE}` },
  finds: PAGE,
});
const QUIET_RULE = newId('rule') as RuleId;
const BUSY_RULE = newId('rule') as RuleId;
const REQUESTS = {
  baseline: page(''),
  'busy endpoint': page('endpoint=busy'),
  'quiet endpoint': page('endpoint=quiet'),
  "quiet endpoint's dead letters": page('endpoint=quiet&status=dead'),
  "busy endpoint's dead letters": page('endpoint=busy&status=dead'),
  "the org's dead letters": page('status=dead'),
  "busy endpoint's rule": { ...page(`rule=${BUSY_RULE}`), shown: 'rule=(busy one)' },
  "quiet endpoint's rule": { ...page(`rule=${QUIET_RULE}`), shown: 'rule=(quiet one)' },
  "bulk retry of the org's dead letters, dry run": {
    shown: 'POST /actions/retry',
    options: {
      method: 'POST',
      url: `${BASE}/actions/retry`,
      payload: { filter: { status: 'dead' }, dryRun: true },
    },
    finds: 1_050,
  },
} satisfies Record<string, Request>;
type Name = keyof typeof REQUESTS;

try {
  for (const slug of ['busy', 'quiet'])
    await call('POST', `${BASE}/endpoints`, { slug, url: 'http://127.0.0.1:9/hooks', status: 'paused' });
  // The rules exist (a filter naming an unknown rule is refused), with the ids the requests above name.
  for (const [id, slug] of [
    [QUIET_RULE, 'quiet'],
    [BUSY_RULE, 'busy'],
  ] as const) {
    const at = Date.now();
    await app.store.transaction((tx) =>
      tx.rules.insert({
        id,
        org: 'default',
        name: `to-${slug}`,
        description: '',
        enabled: true,
        pattern: { type: [`${slug}.thing`] },
        filter: null,
        targets: [{ type: 'webhook', endpoint: slug }],
        createdAt: at,
        updatedAt: at,
        deletedAt: null,
      }),
    );
  }
  const loadStarted = performance.now();
  const now = Date.now();
  const quiet = { ruleId: QUIET_RULE };
  const busy = { ruleId: BUSY_RULE };
  await seedDeliveries(app, 'quiet', 1_000, { from: now - 25 * HOUR, spanMs: HOUR, ...quiet });
  await seedDeliveries(app, 'quiet', 50, {
    from: now - 24 * HOUR,
    spanMs: 60_000,
    outcome: 'dead',
    ...quiet,
  });
  await seedDeliveries(app, 'busy', 1_000, { from: now - HOUR, spanMs: 60_000, outcome: 'dead', ...busy });
  await seedDeliveries(app, 'busy', HISTORY, { from: now - HOUR + 60_000, spanMs: HOUR - 60_000, ...busy });
  console.error(
    `  loaded ${(HISTORY + 2_050).toLocaleString('en-US')} actions in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`,
  );

  const run = async (name: Name) => {
    const { options, finds } = REQUESTS[name];
    const t0 = performance.now();
    const res = await app.server.inject({ ...options, headers: { authorization: 'Bearer eho_bench-token' } });
    const ms = performance.now() - t0;
    const body = res.json<{ items?: unknown[]; count?: number }>();
    if (res.statusCode !== 200 || (body.items?.length ?? body.count) !== finds)
      throw new Error(`${name}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    return ms;
  };
  const names = Object.keys(REQUESTS) as Name[];
  const times = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
  for (let i = 0; i < CALLS + 3; i++) {
    // Rotating order: each query runs at every position in turn.
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length]!;
      const ms = await run(name);
      if (i >= 3) times[name].push(ms); // the first calls warm up the JIT and the page cache
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(times.baseline);
  console.log(`machine: ${machine()}`);
  console.log(
    `GET /actions?…&limit=${PAGE} with ${(HISTORY + 2_050).toLocaleString('en-US')} actions, ${CALLS} rotating calls each, SQLite`,
  );
  for (const name of names)
    console.log(
      `${name.padEnd(46)} ${REQUESTS[name].shown.padEnd(27)} ${median(times[name]).toFixed(2).padStart(8)} ms  ${(median(times[name]) / base).toFixed(2)}×`,
    );
} finally {
  await bench.close();
}
