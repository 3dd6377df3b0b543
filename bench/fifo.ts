// Benchmark: FIFO delivery. A burst of N events for one endpoint is committed at once and delivered to a loopback
// receiver (a worker thread answering 200), on SQLite (or the database of BENCH_DATABASE_URL, e.g. an empty
// PostgreSQL database), two ways in the same run: to an endpoint without ordering (the baseline: deliveries overlap)
// and to a FIFO endpoint of one lane (each message waits until the one before it succeeded). Reported per way,
// medians of the rounds: messages delivered per second, and the longest gap between two consecutive arrivals (a lane
// standing still: 836 ms before the fixes of the fourth session of 2026-11-28, 22 ms after). The receiver checks the
// FIFO order. Settings: BENCH_MESSAGES, BENCH_ROUNDS, BENCH_DATABASE_URL.
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { newSystemEvent } from '../src/events/publisher.js';
import { machine } from './lib/machine.js';
import { BASE, startBenchApp } from './lib/bench-app.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

// Answers 200 and reports each arrival's round, message number and time to the main thread.
const RECEIVER = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const { data } = JSON.parse(Buffer.concat(chunks).toString());
    parentPort.postMessage({ path: req.url, n: data.n, at: performance.timeOrigin + performance.now() });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
`;

interface Way {
  name: string;
  slug: string;
  ordering: 'none' | 'fifo';
}
const WAYS: Way[] = [
  { name: 'no ordering (baseline)', slug: 'unordered', ordering: 'none' },
  { name: 'FIFO, one lane', slug: 'fifo', ordering: 'fifo' },
];

const worker = new Worker(RECEIVER, { eval: true });
const port = await new Promise<number>((resolve) =>
  worker.once('message', (m: { port: number }) => resolve(m.port)),
);
const arrivals = new Map<string, Array<{ n: number; at: number }>>();
worker.on('message', (m: { path?: string; n: number; at: number }) => {
  if (m.path === undefined) return;
  const list = arrivals.get(m.path) ?? [];
  list.push({ n: m.n, at: m.at });
  arrivals.set(m.path, list);
});

const DATABASE_URL = process.env.BENCH_DATABASE_URL;
const bench = await startBenchApp({
  EVENTHOOK_SWEEP_INTERVAL: '10ms',
  ...(DATABASE_URL ? { EVENTHOOK_DATABASE_URL: DATABASE_URL } : {}),
});
const results = new Map<Way, Array<{ perSecond: number; longestGapMs: number }>>(WAYS.map((w) => [w, []]));
try {
  for (const way of WAYS) {
    await bench.call('POST', `${BASE}/endpoints`, {
      slug: way.slug,
      url: `http://127.0.0.1:${port}/${way.slug}`,
      ordering: way.ordering,
    });
    await bench.call('POST', `${BASE}/rules`, {
      name: way.slug,
      pattern: { type: [`bench.${way.slug}`] },
      targets: [{ type: 'webhook', endpoint: way.slug }],
    });
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const way of round % 2 === 0 ? WAYS : [...WAYS].reverse()) {
      const path = `/${way.slug}`;
      arrivals.set(path, []);
      const started = performance.timeOrigin + performance.now();
      const settled = bench.settled(MESSAGES);
      // The whole burst in one commit; FIFO order is the order of the actions' ids, which routing creates in the
      // order of the events'.
      const now = Date.now();
      const events = Array.from({ length: MESSAGES }, (_, n) =>
        newSystemEvent({ org: 'default', source: 'app:bench', type: `bench.${way.slug}`, data: { n }, now }),
      );
      await bench.app.store.transaction((tx) =>
        tx.events.ingest(
          events.map((event) => ({ event })),
          now,
        ),
      );
      await settled;
      while (arrivals.get(path)!.length < MESSAGES) await new Promise((r) => setTimeout(r, 5));
      const got = arrivals.get(path)!;
      const elapsed = got.at(-1)!.at - started;
      if (way.ordering === 'fifo' && got.some((a, i) => a.n !== i)) throw new Error('FIFO order broken');
      let longestGapMs = 0;
      for (let i = 1; i < got.length; i++) longestGapMs = Math.max(longestGapMs, got[i]!.at - got[i - 1]!.at);
      results.get(way)!.push({ perSecond: MESSAGES / (elapsed / 1000), longestGapMs });
      console.error(
        `  ${way.name}: ${Math.round(MESSAGES / (elapsed / 1000))}/s, longest gap ${longestGapMs.toFixed(0)} ms`,
      );
    }
  }
} finally {
  await bench.close();
  await worker.terminate();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`machine: ${machine()}`);
console.log(
  `${ROUNDS} rounds of a burst of ${MESSAGES} messages per way, ${DATABASE_URL?.startsWith('postgres') ? 'PostgreSQL' : 'SQLite'}, ` +
    'loopback receiver answering 200',
);
const base = median(results.get(WAYS[0]!)!.map((r) => r.perSecond));
for (const way of WAYS) {
  const rs = results.get(way)!;
  const rate = median(rs.map((r) => r.perSecond));
  console.log(
    `${way.name.padEnd(24)} ${Math.round(rate).toLocaleString('en-US')} messages/s (${((rate / base) * 100).toFixed(1)} % of the baseline), ` +
      `longest gap ${median(rs.map((r) => r.longestGapMs)).toFixed(0)} ms (worst ${Math.max(...rs.map((r) => r.longestGapMs)).toFixed(0)} ms)`,
  );
}
