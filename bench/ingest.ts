// Benchmark (issue 3): GitHub-signed 1 KiB webhooks over keep-alive connections from autocannon into Eventhook
// (verified, durably committed to SQLite before the 200), against a bare Fastify route that answers 200 without
// work, in the same run. Both servers run as their own processes (bench/lib/ingest-target.ts); autocannon runs here.
// Reports max throughput of both (median of alternating pairs, and their ratio) and latency at a fixed 1,000 req/s.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { machine } from './lib/machine.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 3);
const FIXED_RATE = Number(process.env.BENCH_RATE ?? 1000);
const FIXED_DURATION = Number(process.env.BENCH_FIXED_DURATION ?? 20);
const PROFILE = process.env.BENCH_PROFILE === '1';
const SECRET = 'bench-github-webhook-secret';
const TOKEN = 'eho_bench-operator-token';
const here = dirname(fileURLToPath(import.meta.url));

/** A GitHub push payload of exactly 1 KiB with a 12-digit slot that makes every body (and signature) unique. */
const SLOT = '000000000000';
const TEMPLATE = (() => {
  const base = {
    ref: 'refs/heads/main',
    before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
    after: `c0ffee${SLOT}`,
    repository: { id: 186853002, full_name: 'octo-org/hello-world', private: false, default_branch: 'main' },
    pusher: { name: 'octocat', email: 'octocat@github.com' },
    sender: { login: 'octocat', id: 1, type: 'User' },
    head_commit: { id: `c0ffee${SLOT}`, message: 'Update README.md', timestamp: '2026-01-01T00:00:00Z' },
    pad: '',
  };
  const size = JSON.stringify(base).length;
  return JSON.stringify({ ...base, pad: 'x'.repeat(1024 - size) });
})();

let counter = 0;
/** The next unique, signed GitHub delivery (autocannon calls this for every request it sends). */
function nextDelivery(req: autocannon.Request): autocannon.Request {
  const n = String(++counter).padStart(SLOT.length, '0');
  const body = TEMPLATE.replaceAll(SLOT, n);
  return {
    ...req,
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/bench',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-github-hook-id': '42',
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
  };
}

interface Target {
  url: string;
  child: ChildProcess;
}

type Name = 'bare' | 'ingest' | 'allInOne';
const LABELS: Record<Name, string> = {
  bare: 'bare Fastify route (200, no work)',
  ingest: 'Eventhook, EVENTHOOK_ROLE=api',
  allInOne: 'Eventhook, EVENTHOOK_ROLE=all',
};

async function startTarget(mode: 'eventhook' | 'bare', env: Record<string, string> = {}): Promise<Target> {
  // The target beside this file: compiled JavaScript, or TypeScript run through tsx (BENCH_FROM_SOURCE=1).
  const ext = extname(fileURLToPath(import.meta.url));
  const args = [
    ...(ext === '.ts' ? ['--import', 'tsx'] : []),
    ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(process.cwd(), 'bench', 'results')}`] : []),
  ];
  const child = spawn(process.execPath, [...args, join(here, 'lib', `ingest-target${ext}`), mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production', ...env },
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${mode} exited with ${code}`)));
  });
  return { url: (JSON.parse(line) as { url: string }).url, child };
}

async function stop(t: Target): Promise<void> {
  const exited = new Promise((resolve) => t.child.once('exit', resolve));
  t.child.kill('SIGTERM');
  await exited;
}

/** A GitHub source on an Eventhook target; returns its ingest URL. */
async function githubSource(t: Target): Promise<string> {
  const res = await fetch(`${t.url}/api/orgs/default/eventhook/sources`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ slug: 'github', provider: 'github', secret: SECRET }),
  });
  if (res.status !== 201) throw new Error(`creating the source: ${res.status} ${await res.text()}`);
  return `${t.url}/api/orgs/default/eventhook/in/github`;
}

/** Events Eventhook reports as committed for the GitHub source (every 2xx must be one). */
async function committedEvents(t: Target): Promise<number> {
  const metrics = await (
    await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
  ).text();
  return Number(/eventhook_events_received_total\{[^}]*source="github"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
}

function cannon(url: string, opts: Partial<autocannon.Options>): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: DURATION,
        requests: [{ setupRequest: nextDelivery }],
        ...opts,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

const acknowledged: Record<Name, number> = { bare: 0, ingest: 0, allInOne: 0 };

/** Fails the run on any error, non-2xx or timeout; counts the 2xx answers per server. */
function checked(name: Name, r: autocannon.Result): autocannon.Result {
  if (r.errors > 0 || r.non2xx > 0 || r.timeouts > 0) {
    throw new Error(`${name}: ${r.errors} errors, ${r.non2xx} non-2xx, ${r.timeouts} timeouts`);
  }
  acknowledged[name] += r['2xx'];
  console.error(`  ${name}: ${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms`);
  return r;
}

interface Steady {
  count: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * An open-loop load of `rate` req/s for `seconds`, for latency: requests are scheduled evenly (one every 1000/rate
 * ms) whatever the answers do, over a pool of keep-alive connections, and each latency is measured from the
 * request's scheduled time, so queueing inside the server or the pool counts (no coordinated omission).
 * autocannon's overallRate is not used for this: it lets every connection send its whole per-second quota back to
 * back when each second starts, so "1,000 req/s" arrives as one burst a second and the p99 is that of draining
 * the burst (reported separately).
 */
async function openLoop(url: string, rate: number, seconds: number): Promise<Steady> {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections: CONNECTIONS, pipelining: 1 });
  const send = async (scheduled: number, into: number[] | null): Promise<void> => {
    const r = nextDelivery({} as autocannon.Request);
    const res = await pool.request({
      path: u.pathname,
      method: 'POST',
      headers: r.headers as Record<string, string>,
      body: r.body as string,
    });
    await res.body.dump();
    if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`${res.statusCode} at ${rate} req/s`);
    into?.push(performance.now() - scheduled);
  };
  // Open the pool's connections first; they are not part of the measurement.
  await Promise.all(Array.from({ length: CONNECTIONS }, () => send(performance.now(), null)));
  const total = rate * seconds;
  const latencies: number[] = [];
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      for (; sent < due; sent++) inFlight.push(send(start + (sent * 1000) / rate, latencies));
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
  return { count: total + CONNECTIONS, perSecond: total / elapsed, p50: at(0.5), p99: at(0.99), max: at(1) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * CPU time (user + system, every thread) a server process has used, in µs, from /proc (Linux; NaN elsewhere). Per
 * request it is steadier than throughput on a shared machine, whose speed drifts from run to run.
 */
function cpuMicros(t: Target): number {
  try {
    const fields = readFileSync(`/proc/${t.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
/** USER_HZ: what /proc counts CPU time in; 100 on Linux builds for x86 and ARM. */
const CLOCK_TICKS = 100;

const targets = {
  bare: await startTarget('bare'),
  ingest: await startTarget('eventhook', { EVENTHOOK_ROLE: 'api' }),
  allInOne: await startTarget('eventhook', { EVENTHOOK_ROLE: 'all' }),
};
const names: Name[] = ['bare', 'ingest', 'allInOne'];
// Declared here so the report below can read them; filled inside the try, which always stops the servers.
const rounds: Record<Name, autocannon.Result[]> = { bare: [], ingest: [], allInOne: [] };
/** Server CPU µs per request in each max-throughput round. */
const cpuPerRequest: Record<Name, number[]> = { bare: [], ingest: [], allInOne: [] };
const ratios = { ingest: [] as number[], allInOne: [] as number[] };
const fixed = {} as Record<Name, Steady>;
const burst = {} as Record<Name, autocannon.Result>;
const integrity: string[] = [];
try {
  const urls: Record<Name, string> = {
    bare: `${targets.bare.url}/in/github`,
    ingest: await githubSource(targets.ingest),
    allInOne: await githubSource(targets.allInOne),
  };

  // Warm up the JIT, the connection pools and SQLite's page cache everywhere.
  for (const name of names) checked(name, await cannon(urls[name], { duration: 3 }));

  // Max throughput: rounds of all three in rotating order (load on a shared machine drifts; a round sees nearly the
  // same load), each Eventhook figure divided by the bare figure of its own round; the median of those ratios counts.
  for (let round = 0; round < PAIRS; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]!;
      const cpuBefore = cpuMicros(targets[name]);
      const result = checked(name, await cannon(urls[name], {}));
      rounds[name].push(result);
      cpuPerRequest[name].push((cpuMicros(targets[name]) - cpuBefore) / result.requests.total);
    }
    const bareRate = rounds.bare.at(-1)!.requests.average;
    ratios.ingest.push(rounds.ingest.at(-1)!.requests.average / bareRate);
    ratios.allInOne.push(rounds.allInOne.at(-1)!.requests.average / bareRate);
  }

  // Latency at a fixed offered load: autocannon's overallRate (bursts at the start of each second), then open loop.
  for (const name of names) {
    burst[name] = checked(
      name,
      await cannon(urls[name], { overallRate: FIXED_RATE, duration: FIXED_DURATION }),
    );
  }
  for (const name of names) {
    fixed[name] = await openLoop(urls[name], FIXED_RATE, FIXED_DURATION);
    acknowledged[name] += fixed[name].count;
    console.error(
      `  ${name} at ${FIXED_RATE} req/s: p50 ${fixed[name].p50.toFixed(1)} ms, p99 ${fixed[name].p99.toFixed(1)} ms`,
    );
  }

  // Every acknowledged webhook must be a committed event. The server may have committed a few more: requests still in
  // flight when a round ends are committed, but autocannon no longer counts their answers.
  for (const name of ['ingest', 'allInOne'] as const) {
    const committed = await committedEvents(targets[name]);
    if (committed < acknowledged[name]) {
      throw new Error(`${name}: ${acknowledged[name]} acknowledged but only ${committed} committed`);
    }
    integrity.push(
      `${name} ${acknowledged[name].toLocaleString('en-US')} acknowledged, ${committed.toLocaleString('en-US')} committed`,
    );
  }
} finally {
  for (const t of Object.values(targets)) await stop(t);
}

const pick = (rs: autocannon.Result[]) =>
  rs.find((r) => r.requests.average === median(rs.map((x) => x.requests.average)))!;
const line = (r: autocannon.Result) =>
  `${Math.round(r.requests.average).toLocaleString('en-US')} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`;
const pct = (xs: number[]) =>
  `${(median(xs) * 100).toFixed(1)} % (range ${(Math.min(...xs) * 100).toFixed(0)}–${(Math.max(...xs) * 100).toFixed(0)} %)`;
console.log(`machine: ${machine()}`);
console.log(
  `GitHub push webhooks of ${TEMPLATE.length} bytes, unique X-GitHub-Delivery, HMAC-SHA256 signed per request; ` +
    `${CONNECTIONS} keep-alive connections; ${PAIRS} rounds of ${DURATION} s per server, then ${FIXED_DURATION} s at ${FIXED_RATE} req/s`,
);
for (const name of names)
  console.log(
    `max throughput, ${LABELS[name].padEnd(34)} ${line(pick(rounds[name]))}, ` +
      `server CPU ${median(cpuPerRequest[name]).toFixed(0)} µs/request (all threads)`,
  );
console.log(`ratio, ingest role / bare:      ${pct(ratios.ingest)}  (goal ≥ 40 %)`);
console.log(`ratio, all-in-one / bare:       ${pct(ratios.allInOne)}`);
for (const name of names)
  console.log(
    `at ${FIXED_RATE} req/s in bursts (autocannon overallRate), ${LABELS[name].padEnd(34)} ${line(burst[name])}`,
  );
for (const name of names)
  console.log(
    `at ${FIXED_RATE} req/s evenly (open loop), ${LABELS[name].padEnd(34)} ${Math.round(fixed[name].perSecond).toLocaleString('en-US')} req/s, ` +
      `p50 ${fixed[name].p50.toFixed(1)} ms, p99 ${fixed[name].p99.toFixed(1)} ms, max ${fixed[name].max.toFixed(1)} ms`,
  );
console.log(`acknowledged = committed events: ${integrity.join(', ')}`);
