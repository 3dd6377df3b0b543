// Benchmark: outbound deliveries vs plain undici POSTs to the same local receiver, in one run: the bare signed send
// (HttpSender), and the full tracked path (event committed, routed, action claimed, signed, sent, attempt recorded,
// on SQLite). The receiver runs in a worker thread so it does not share the event loop with the sending side.
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
import { startTrackedDelivery } from './lib/tracked-delivery.js';

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

const tracked = await startTrackedDelivery(url, CONCURRENCY);
const BODY_DATA = JSON.parse(BODY) as unknown;
let trackedLatencies: number[] = [];
const trackedRound = async () => {
  const r = await tracked.round(REQUESTS, BODY_DATA);
  trackedLatencies = r.latencies;
  return r;
};

let stageLatencies: number[] = [];
const stageRound = async () => {
  const r = await tracked.backlogRound(REQUESTS, BODY_DATA);
  stageLatencies = r.latencies;
  return r;
};

type Side = 'baseline' | 'signed' | 'stage' | 'tracked';
const SIDES: readonly Side[] = ['baseline', 'signed', 'stage', 'tracked'];
const runSide = async (side: Side) =>
  side === 'baseline'
    ? run(baseline)
    : side === 'signed'
      ? run(signed)
      : side === 'stage'
        ? stageRound()
        : trackedRound();

// Warm the pools, the store and the JIT. Then run short rounds in triples, rotating which side goes first, and take
// the median of the per-triple ratios: on a shared machine load drifts, and one triple sees nearly the same load.
await run(baseline);
await run(signed);
await trackedRound();
await stageRound();
const rates: Record<Side, number[]> = { baseline: [], signed: [], stage: [], tracked: [] };
const latencies: Record<Side, number[]> = { baseline: [], signed: [], stage: [], tracked: [] };
const ratios: Record<Exclude<Side, 'baseline'>, number[]> = { signed: [], stage: [], tracked: [] };
for (let round = 0; round < PAIRS; round++) {
  const order = SIDES.map((_, i) => SIDES[(i + round) % SIDES.length]!);
  const got = {} as Record<Side, number>;
  for (const side of order) {
    const r = await runSide(side);
    rates[side].push(r.perSecond);
    latencies[side].push(
      ...(side === 'tracked' ? trackedLatencies : side === 'stage' ? stageLatencies : r.latencies),
    );
    got[side] = r.perSecond;
  }
  ratios.signed.push(got.signed / got.baseline);
  ratios.tracked.push(got.tracked / got.baseline);
  ratios.stage.push(got.stage / got.baseline);
}

const fmt = (name: Side) =>
  `${Math.round(median(rates[name])).toLocaleString('en-US')}/s (median of ${PAIRS}), ` +
  `p50 ${percentile(latencies[name], 0.5).toFixed(2)} ms, p99 ${percentile(latencies[name], 0.99).toFixed(2)} ms`;
const ratio = (name: Exclude<Side, 'baseline'>) =>
  `${(median(ratios[name]) * 100).toFixed(1)} % of plain-POST throughput (median of rounds; ` +
  `range ${(Math.min(...ratios[name]) * 100).toFixed(0)}–${(Math.max(...ratios[name]) * 100).toFixed(0)} %)`;
console.log(`machine: ${machine()}`);
console.log(
  `${PAIRS} rounds of ${REQUESTS} deliveries of ${BODY.length} bytes each, ${CONCURRENCY} in flight`,
);
console.log(`plain undici POST (agent.request):        ${fmt('baseline')}`);
console.log(`sign + HttpSender (SSRF-guarded):         ${fmt('signed')}`);
console.log(`delivery stage (claim, sign, send, record; wire latency): ${fmt('stage')}`);
console.log(`end to end (commit, route, claim, sign, send, record; wire latency): ${fmt('tracked')}`);
console.log(`signed ratio:         ${ratio('signed')}`);
console.log(`delivery-stage ratio: ${ratio('stage')} — goal ≥ 50 %`);
console.log(`end-to-end ratio:     ${ratio('tracked')}`);

await tracked.close();
await plain.close();
await sender.close();
worker.postMessage('close');
