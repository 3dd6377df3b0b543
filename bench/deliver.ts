// Benchmark: signed deliveries through HttpSender vs plain undici POSTs to the same local receiver, in one run.
// The receiver runs in a worker thread so it does not share the event loop with the sending side.
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Agent } from 'undici';
import { newId } from '../src/core/index.js';
import {
  AddressPolicy,
  DEFAULT_CONNECTIONS_PER_ORIGIN,
  HttpSender,
  buildSignedHeaders,
  generateEndpointSecret,
} from '../src/delivery/index.js';
import { machine } from './lib/machine.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 10);
const BODY = JSON.stringify({
  type: 'order.created',
  timestamp: '2026-01-01T00:00:00Z',
  data: {
    id: 'ord_123',
    amount: 4200,
    currency: 'EUR',
    items: Array.from({ length: 8 }, (_, i) => ({ sku: `sku-${i}`, qty: i + 1 })),
  },
});

const RECEIVER = `
const { createServer } = require('node:http');
const { parentPort } = require('node:worker_threads');
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', (m) => { if (m === 'close') { server.closeAllConnections(); server.close(() => process.exit(0)); } });
`;

/** Runs `REQUESTS` calls of `one` with `CONCURRENCY` in flight; returns the rate and every call's latency. */
async function run(one: () => Promise<void>): Promise<{ perSecond: number; latencies: number[] }> {
  const latencies: number[] = new Array<number>(REQUESTS);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const i = next++;
        const t0 = performance.now();
        await one();
        latencies[i] = performance.now() - t0;
      }
    }),
  );
  return { perSecond: REQUESTS / ((performance.now() - started) / 1000), latencies };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

const worker = new Worker(RECEIVER, { eval: true });
const port = await new Promise<number>((resolve) => worker.once('message', resolve));
const url = `http://127.0.0.1:${port}/hooks`;

const plain = new Agent({ connections: DEFAULT_CONNECTIONS_PER_ORIGIN, pipelining: 1 });
const sender = new HttpSender({ policy: AddressPolicy.fromAllowList(['127.0.0.1/32']) });
const { secret } = generateEndpointSecret();

const baseline = async () => {
  const res = await plain.request({
    origin: `http://127.0.0.1:${port}`,
    path: '/hooks',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
  });
  await res.body.text();
  if (res.statusCode !== 200) throw new Error(`baseline got ${res.statusCode}`);
};

const signed = async () => {
  const headers = buildSignedHeaders({
    msgId: newId('message'),
    timestamp: Math.floor(Date.now() / 1000),
    body: BODY,
    secrets: [secret],
  });
  const result = await sender.send({
    url,
    headers: { ...headers, 'content-type': 'application/json' },
    body: BODY,
    timeoutMs: 15_000,
  });
  if (result.status !== 200) throw new Error(`sender got ${result.status ?? result.error?.kind}`);
};

// Warm both pools and the JIT. Then run short rounds in pairs, alternating which side goes first, and take the
// median of the per-pair ratios: on a shared machine load drifts, and a pair sees nearly the same load.
await run(baseline);
await run(signed);
const rates = { baseline: [] as number[], signed: [] as number[] };
const latencies = { baseline: [] as number[], signed: [] as number[] };
const ratios: number[] = [];
for (let pair = 0; pair < PAIRS; pair++) {
  const order = pair % 2 === 0 ? (['baseline', 'signed'] as const) : (['signed', 'baseline'] as const);
  const got: Record<string, number> = {};
  for (const name of order) {
    const r = await run(name === 'baseline' ? baseline : signed);
    rates[name].push(r.perSecond);
    latencies[name].push(...r.latencies);
    got[name] = r.perSecond;
  }
  ratios.push(got.signed! / got.baseline!);
}

const fmt = (name: 'baseline' | 'signed') =>
  `${Math.round(median(rates[name])).toLocaleString('en-US')}/s (median of ${PAIRS}), ` +
  `p50 ${percentile(latencies[name], 0.5).toFixed(2)} ms, p99 ${percentile(latencies[name], 0.99).toFixed(2)} ms`;
console.log(`machine: ${machine()}`);
console.log(
  `${PAIRS} pairs of rounds, ${REQUESTS} POSTs of ${BODY.length} bytes each, ${CONCURRENCY} in flight`,
);
console.log(`plain undici POST (agent.request):   ${fmt('baseline')}`);
console.log(`sign + HttpSender (SSRF-guarded):    ${fmt('signed')}`);
console.log(
  `ratio: ${(median(ratios) * 100).toFixed(1)} % of plain-POST throughput (median of pairs; ` +
    `range ${(Math.min(...ratios) * 100).toFixed(0)}–${(Math.max(...ratios) * 100).toFixed(0)} %; goal ≥ 50 %)`,
);

await plain.close();
await sender.close();
worker.postMessage('close');
