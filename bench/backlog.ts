// Benchmark: a slow endpoint with a deep backlog must not hold up deliveries to the others (issue 6 §9). One
// Eventhook on SQLite delivers to two endpoints of a local receiver: `slow` answers after BENCH_SLOW_MS, `fast` at
// once. Events for `fast` are published at a steady rate, first with nothing else queued (the baseline), then while
// `slow` works through BENCH_BACKLOG queued deliveries at its concurrency cap, in the same run. Reported per phase:
// how long a `fast` message waited between its publish and its send, and the event-loop delay of the process.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { BASE, startBenchApp } from './lib/bench-app.js';
import { machine } from './lib/machine.js';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 100_000);
const SLOW_MS = Number(process.env.BENCH_SLOW_MS ?? 100);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 500);

const RECEIVER = `
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const answer = () => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); };
    if (req.url === '/slow') setTimeout(answer, workerData.slowMs); else answer();
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', (m) => { if (m === 'close') { server.closeAllConnections(); server.close(() => process.exit(0)); } });
`;

const worker = new Worker(RECEIVER, { eval: true, workerData: { slowMs: SLOW_MS } });
const port = await new Promise<number>((resolve) => worker.once('message', resolve));
const bench = await startBenchApp();
const { app, call } = bench;
for (const name of ['slow', 'fast']) {
  await call('POST', `${BASE}/endpoints`, { slug: name, url: `http://127.0.0.1:${port}/${name}` });
  await call('POST', `${BASE}/rules`, {
    name,
    pattern: { type: [`bench.${name}`] },
    targets: [{ type: 'webhook', endpoint: name }],
  });
}

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

/** Publishes MESSAGES events for `fast` at RATE per second; returns each one's wait before its send began. */
async function phase(): Promise<{ waits: number[]; loopP99: number; loopMax: number }> {
  const before = (await app.store.actions.countByStatus('default', { endpoint: 'fast' })).succeeded;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const since = Date.now();
  const started = performance.now();
  for (let i = 0; i < MESSAGES; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await call('POST', `${BASE}/events`, { type: 'bench.fast', source: 'app:bench', data: { i } });
  }
  for (;;) {
    const c = await app.store.actions.countByStatus('default', { endpoint: 'fast' });
    if (c.succeeded >= before + MESSAGES) break;
    if (performance.now() - started > 120_000) throw new Error('fast deliveries did not finish in 2 minutes');
    await new Promise((r) => setTimeout(r, 50));
  }
  loop.disable();
  const actions = await app.store.actions.list(
    'default',
    { endpoint: 'fast', status: 'succeeded' },
    { limit: MESSAGES },
  );
  // A message's wait: from its event's publish time to the start of its attempt (routing, queueing, claiming).
  const waits: number[] = [];
  for (const a of actions.items) {
    const event = await app.store.events.get('default', a.eventId);
    const [attempt] = await app.store.attempts.listByAction('default', a.id);
    if (event && attempt && event.time >= since) waits.push(attempt.startedAt - event.time);
  }
  return { waits, loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6 };
}

const baseline = await phase();

// The backlog: the slow endpoint paused, BACKLOG events committed and routed into waiting actions, then enabled.
await call('PATCH', `${BASE}/endpoints/slow`, { status: 'paused' });
for (let i = 0; i < BACKLOG; i += 5_000)
  await bench.commitEvents(Math.min(5_000, BACKLOG - i), 'bench.slow', {});
await bench.waitForActions('slow', (c) => c.pending >= BACKLOG && c.in_flight === 0);
await call('POST', `${BASE}/endpoints/slow/enable`, {});
await new Promise((r) => setTimeout(r, 1000));
const behind = await phase();
const left = (await app.store.actions.countByStatus('default', { endpoint: 'slow' })).pending;

const row = (name: string, r: typeof baseline) =>
  `${name}: fast-endpoint wait p50 ${percentile(r.waits, 0.5).toFixed(0)} ms, p99 ${percentile(r.waits, 0.99).toFixed(0)} ms, ` +
  `max ${Math.max(...r.waits).toFixed(0)} ms (${r.waits.length} messages); event-loop delay p99 ${r.loopP99.toFixed(1)} ms, max ${r.loopMax.toFixed(1)} ms`;
console.log(`machine: ${machine()}`);
console.log(
  `${MESSAGES} messages to the fast endpoint at ${RATE}/s; slow endpoint answers after ${SLOW_MS} ms, backlog ${BACKLOG}`,
);
console.log(row('no backlog        ', baseline));
console.log(row(`behind the backlog`, behind));
console.log(
  `slow endpoint still had ${left} deliveries waiting at the end (the backlog lasted the whole phase)`,
);
console.log(
  `ratio of p99 waits (behind / none): ${(percentile(behind.waits, 0.99) / percentile(baseline.waits, 0.99)).toFixed(2)}`,
);

await bench.close();
worker.postMessage('close');
