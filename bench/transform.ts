// Benchmark: per-call cost of each transform kind and of a JavaScript filter, against a baseline measured in the
// same run: the same small transform as a plain host function over a JSON copy of the envelope (what any
// isolation must at least pay). Target (issue 4): a small JavaScript transform costs < 100 µs per call (median).
import { performance } from 'node:perf_hooks';
import type { Envelope, JsonValue } from '../src/core/index.js';
import { compileFilter, compileTransform, initSandbox } from '../src/transform/index.js';
import { machine } from './lib/machine.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);
const WARMUP = 2_000;
const TARGET_US = 100;

const event: Envelope = {
  specversion: '1.0',
  id: 'evt_01JBENCHTRANSFORM000000000' as Envelope['id'],
  org: 'acme',
  source: 'webhook:shop',
  type: 'order.created',
  time: '2026-01-01T00:00:00.000Z',
  data: {
    id: 'ord_123',
    amount: 4200,
    currency: 'EUR',
    customer: { id: 'cus_9', email: 'ada@example.com' },
    items: Array.from({ length: 8 }, (_, i) => ({ sku: `sku-${i}`, qty: i + 1 })),
  },
  headers: { 'content-type': 'application/json', 'x-shop-topic': 'orders/create' },
};

/** Median and p99 in microseconds of `CALLS` calls, each on a fresh envelope object (no per-object caching). */
function measure(one: (e: Envelope) => unknown): { median: number; p99: number } {
  const envelopes = Array.from({ length: 64 }, () => structuredClone(event));
  for (let i = 0; i < WARMUP; i++) one(structuredClone(event));
  const times = new Float64Array(CALLS);
  for (let i = 0; i < CALLS; i++) {
    const e = i % 64 === 0 ? structuredClone(event) : envelopes[i % 64]!;
    const t0 = performance.now();
    one(e);
    times[i] = (performance.now() - t0) * 1000;
  }
  times.sort();
  return { median: times[Math.floor(CALLS / 2)]!, p99: times[Math.floor(CALLS * 0.99)]! };
}

await initSandbox();
const SMALL =
  'function transform(event) { return { order: event.data.id, total: event.data.amount / 100, skus: event.data.items.map((i) => i.sku) }; }';
const baselineFn = (e: { data: { id: string; amount: number; items: { sku: string }[] } }) => ({
  order: e.data.id,
  total: e.data.amount / 100,
  skus: e.data.items.map((i) => i.sku),
});

const compileStarted = performance.now();
const javascript = compileTransform({ javascript: SMALL });
const compileMs = performance.now() - compileStarted;
const filter = compileFilter(
  "function filter(event) { return event.data.amount > 1000 && event.data.currency === 'EUR'; }",
);
const jmespath = compileTransform({
  jmespath: '{order: data.id, total: data.amount, skus: data.items[].sku}',
});
const template = compileTransform({
  paths: { id: '$.data.id', amount: '$.data.amount', skus: '$.data.items[*].sku' },
  template: '{"order": "<id>", "total": <amount>, "skus": <skus>}',
});

const rows: [string, { median: number; p99: number }][] = [
  [
    'baseline: host function on JSON.parse(JSON.stringify(envelope))',
    measure((e) => baselineFn(JSON.parse(JSON.stringify(e)))),
  ],
  ['javascript transform (QuickJS sandbox)', measure((e) => javascript.apply(e) as JsonValue)],
  ['javascript filter (QuickJS sandbox)', measure((e) => filter.test(e))],
  ['jmespath', measure((e) => jmespath.apply(e))],
  ['template (paths + JSON template)', measure((e) => template.apply(e))],
];

const baseline = rows[0]![1].median;
console.log(`machine: ${machine()}`);
console.log(
  `calls per row: ${CALLS} after ${WARMUP} warm-up calls; compile of the JavaScript transform: ${compileMs.toFixed(1)} ms\n`,
);
console.log('| what | median µs | p99 µs | × baseline |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, r] of rows) {
  console.log(
    `| ${name} | ${r.median.toFixed(1)} | ${r.p99.toFixed(1)} | ${(r.median / baseline).toFixed(1)} |`,
  );
}
const js = rows[1]![1].median;
console.log(
  `\nJavaScript transform median ${js.toFixed(1)} µs: ${js < TARGET_US ? 'meets' : 'MISSES'} the < ${TARGET_US} µs target`,
);

// Setup cost: compiling a script builds and freezes a fresh QuickJS runtime (also paid after a timeout or OOM).
const N = 20;
const started = performance.now();
const scripts = Array.from({ length: N }, (_, i) =>
  compileTransform({ javascript: `function transform(e) { return ${i}; }` }),
);
const perCompile = (performance.now() - started) / N;
console.log(
  `compile (syntax check, runtime build, frozen intrinsics, probe): ${perCompile.toFixed(1)} ms per script`,
);
for (const s of scripts) s.dispose();
for (const t of [javascript, jmespath, template]) t.dispose();
filter.dispose();
