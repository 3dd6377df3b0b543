// The HTTP API under mangled input: valid sources, rules and endpoints with fields replaced by random JSON,
// dropped, or joined by unknown ones, created and patched. Bad input gets a 4xx with a problem document, never a
// 5xx; what is created can be read back, patched (with mangled JSON again) and deleted. Patterns tested against
// events (`rules/test`), published events, the bodies of the other calls a client makes, and the query strings of
// reads are mangled the same way. FUZZ_SEED=n draws another sequence (seeds 1–30 passed when this was written).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BASE } from '../helpers/ingest.js';
import { mangler, seededRandom } from '../helpers/random.js';

const ROUNDS = 150;

/** Valid bodies of each kind, with the fields a mangling may touch. */
const VALID: Record<'sources' | 'rules' | 'endpoints', () => Record<string, unknown>> = {
  sources: () => ({
    slug: 'src',
    provider: 'github',
    secret: 's3cret',
    idempotencyKeys: ['header.x-github-delivery', 'body.id'],
    eventType: { header: 'x-github-event' },
    dedupWindowSeconds: 3600,
    rateLimit: { perSecond: 10 },
    ipAllowList: ['10.0.0.0/8', '::1'],
    maxBodyBytes: 65536,
    storeRejected: true,
  }),
  rules: () => ({
    name: 'rule',
    pattern: { type: ['order.created'], data: { total: [{ numeric: ['>=', 10] }], tags: [{ prefix: 'a' }] } },
    filter: 'function filter(e) { return true; }',
    targets: [
      { type: 'workflow', kind: 'k', input: { jmespath: '{id: data.id}' } },
      { type: 'task', kind: 't', input: { paths: { id: '$.data.id' }, template: 'x <id>' } },
      { type: 'webhook', endpoint: 'ep', retry: { schedule: ['5s'], maxAttempts: 3 } },
    ],
  }),
  endpoints: () => ({
    slug: 'ep',
    url: 'https://example.com/hooks',
    auth: { type: 'basic', username: 'u', password: 'p' },
    headers: { 'X-Tenant': 't1' },
    rateLimit: 2.5,
    maxConcurrency: 3,
    timeoutMs: 5000,
    retry: { schedule: ['5s', '90s', '2h'], maxAttempts: 6 },
    ordering: 'fifo',
    orderingKey: 'data.id',
  }),
};

/** A pattern with most operators, an event it may match, and a publish body, for `rules/test` and `events`. */
const PATTERN = () => ({
  type: ['order.created', { prefix: 'order.' }],
  data: {
    total: [{ numeric: ['>=', 10, '<', 100] }],
    tags: [{ 'anything-but': ['x'] }],
    ip: [{ cidr: '10.0.0.0/24' }],
    name: [{ wildcard: 'a*b' }],
    opt: [{ exists: true }],
    file: [{ suffix: '.png' }],
    code: [{ 'equals-ignore-case': 'ABC' }],
  },
  $or: [{ source: ['shop'] }, { subject: [{ exists: false }] }],
});
const EVENT = () => ({
  type: 'order.created',
  source: 'shop',
  subject: 'order-1',
  correlationid: 'c-1',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  datacontenttype: 'application/json',
  data: { total: 42, tags: ['a'], ip: '10.0.0.7', name: 'axxb', opt: 1, file: 'x.png', code: 'abc' },
});

describe('HTTP API under mangled input (SQLite)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  it('answers every mangled create and patch with a 4xx problem or a resource that reads back', async () => {
    const next = seededRandom(Number(process.env.FUZZ_SEED || 5));
    const int = (n: number) => Math.floor(next() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
    const text = () =>
      pick([
        '',
        'a',
        '../x',
        'é😀',
        '5s',
        '-1s',
        '1e309',
        'data.',
        '$.',
        '[',
        'function (',
        'x'.repeat(5000),
        '*',
      ]);
    const value = (depth: number): unknown =>
      depth <= 0
        ? pick<unknown>([null, true, false, 0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER + 2, text()])
        : pick([
            () =>
              Object.fromEntries(
                Array.from({ length: int(3) }, () => [
                  pick(['type', 'numeric', 'prefix', text()]),
                  value(depth - 1),
                ]),
              ),
            () => Array.from({ length: int(3) }, () => value(depth - 1)),
            () => value(0),
          ])();
    const mangle = mangler(next, { replace: 0.3, maxDepth: 3, value, newKey: () => text() || 'extra' });

    const failures: string[] = [];
    let created = 0;
    let refused = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const kind = pick(['sources', 'rules', 'endpoints'] as const);
      const valid = VALID[kind]();
      const slugField = kind === 'rules' ? 'name' : 'slug';
      const id = `${kind}-${i}`;
      const body = { ...(mangle(valid) as Record<string, unknown>) };
      if (next() < 0.7) body[slugField] = id;
      const res = await t.api.post(`${BASE}/${kind}`, body);
      const check = (what: string, r: { status: number; text: string; headers?: unknown }) => {
        if (r.status >= 500)
          failures.push(
            `${what}: ${r.status} ${r.text.slice(0, 300)} for ${JSON.stringify(body).slice(0, 400)}`,
          );
      };
      check(`create ${kind}`, res);
      if (res.status === 201) {
        created++;
        const ref = kind === 'rules' ? res.body.id : res.body.slug;
        const read = await t.api.get(`${BASE}/${kind}/${ref}`);
        if (read.status !== 200)
          failures.push(`read back ${kind} ${ref}: ${read.status} ${read.text.slice(0, 200)}`);
        // Any JSON at all may come as a patch: a mangled body, or what a mangling left of it.
        const patch = mangle(VALID[kind]());
        if (patch !== null && typeof patch === 'object' && !Array.isArray(patch))
          delete (patch as Record<string, unknown>)[slugField];
        const patched = await t.api.patch(`${BASE}/${kind}/${ref}`, patch);
        check(`patch ${kind}`, patched);
        const removed = await t.api.delete(`${BASE}/${kind}/${ref}`);
        if (removed.status !== 204)
          failures.push(`delete ${kind} ${ref}: ${removed.status} ${removed.text.slice(0, 200)}`);
      } else if (res.status >= 400 && res.status < 500) {
        refused++;
        // A refusal is a problem document with a code, saying what was wrong.
        if (typeof res.body?.code !== 'string' || typeof res.body?.detail !== 'string')
          failures.push(`refusal of ${kind} without a problem document: ${res.text.slice(0, 200)}`);
      }
    }
    // Patterns tested against events, and events published, mangled the same way.
    let matched = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const tried = { pattern: mangle(PATTERN()), event: mangle(EVENT()) };
      const test = await t.api.post(`${BASE}/rules/test`, tried);
      if (test.status >= 500)
        failures.push(
          `rules/test: ${test.status} ${test.text.slice(0, 300)} for ${JSON.stringify(tried).slice(0, 400)}`,
        );
      if (test.status === 200 && typeof test.body.match !== 'boolean')
        failures.push(`rules/test answered ${test.text}`);
      if (test.body?.match === true) matched++;
      const published = next() < 0.3 ? [mangle(EVENT()), EVENT()] : mangle(EVENT());
      const pub = await t.api.post(`${BASE}/events`, published);
      if (pub.status >= 500)
        failures.push(
          `publish: ${pub.status} ${pub.text.slice(0, 300)} for ${JSON.stringify(published).slice(0, 400)}`,
        );
    }
    // The other bodies a client writes: a sample request checked against a source, bulk replay and bulk retry (dry
    // runs and real ones), an org, an API key, a promise.
    await t.api.post(`${BASE}/sources`, { slug: 'fz-src', provider: 'github', secret: 's3cret' });
    const OTHERS: [string, () => unknown][] = [
      [
        `${BASE}/sources/fz-src/test`,
        () => ({
          headers: { 'x-hub-signature-256': 'sha256=00', 'x-github-event': 'push' },
          body: '{"zen":"x"}',
          method: 'POST',
          url: 'https://hooks.example.com/in/fz-src?x=1',
        }),
      ],
      [
        `${BASE}/events/replay`,
        () => ({
          filter: {
            type: 'order.created',
            since: '2026-01-01T00:00:00Z',
            until: '2099-01-01T00:00:00Z',
            q: 'o',
          },
          dryRun: true,
          limit: 10,
        }),
      ],
      [
        `${BASE}/actions/retry`,
        () => ({ filter: { status: 'dead', endpoint: 'ep' }, dryRun: true, limit: 10 }),
      ],
      ['/api/orgs', () => ({ slug: `fz-${int(1e6)}`, name: 'Fuzz' })],
      ['/api/orgs/default/api-keys', () => ({ name: 'fuzz', role: 'member' })],
      [`${BASE}/engine/promises`, () => ({ key: `fz:${int(1e6)}` })],
      [
        `${BASE}/engine/workflows/claim`,
        () => ({ workerId: 'w1', kinds: ['k'], queue: 'default', leaseMs: 5000 }),
      ],
      [`${BASE}/engine/tasks/claim`, () => ({ workerId: 'w1', kinds: ['t'], leaseMs: 5000 })],
      [
        `${BASE}/engine/tasks/task_00000000000000000000000000/complete`,
        () => ({ workerId: 'w1', output: { a: 1 } }),
      ],
      [
        `${BASE}/engine/workflows/${encodeURIComponent(text())}/fail`,
        () => ({ workerId: 'w1', error: 'boom' }),
      ],
      [`${BASE}/engine/tasks/x/heartbeat`, () => ({ workerId: 'w1', leaseMs: 5000 })],
      [`${BASE}/actions/${encodeURIComponent(text())}/retry`, () => ({})],
      [`${BASE}/events/${encodeURIComponent(text())}/replay`, () => ({ newIdempotencyKeys: true })],
      [`${BASE}/endpoints/ep/rotate-secret`, () => ({ graceSeconds: 60 })],
      [`${BASE}/sources/fz-src/rotate-secret`, () => ({ secret: 'new-secret', graceSeconds: 60 })],
    ];
    for (let i = 0; i < ROUNDS; i++) {
      const [url, valid] = pick(OTHERS);
      const body = mangle(valid());
      const res = await t.api.post(url, body);
      if (res.status >= 500)
        failures.push(
          `${url}: ${res.status} ${res.text.slice(0, 300)} for ${JSON.stringify(body).slice(0, 400)}`,
        );
    }
    // Events published raw: CloudEvents structured, batch and binary modes with odd headers and bodies.
    const published = { ok: 0, refused: 0 };
    for (let i = 0; i < ROUNDS; i++) {
      const headers: Record<string, string> = { authorization: `Bearer ${t.api.token}` };
      const type = pick([
        undefined,
        'application/json',
        'application/cloudevents+json',
        'application/cloudevents-batch+json',
        'text/plain',
        'application/octet-stream',
        'application/json; charset=latin1',
      ]);
      if (type) headers['content-type'] = type;
      if (next() < 0.4) {
        headers['ce-specversion'] = pick(['1.0', '0.3', '', 'x']);
        for (const h of ['ce-type', 'ce-source', 'ce-id', 'ce-subject', 'ce-traceparent'])
          if (next() < 0.6)
            headers[h] = pick(['order.created', '', 'system:x', 'webhook:y', 'a'.repeat(300), '%ZZ']);
      }
      const body = pick([
        () => JSON.stringify(mangle(EVENT())),
        () => JSON.stringify([mangle(EVENT()), EVENT()]),
        () =>
          JSON.stringify({
            specversion: '1.0',
            id: 'x',
            data_base64: mangle('AAAA'),
            ...(mangle(EVENT()) as object),
          }),
        () => '{"type":',
        () => '',
        () => 'not json at all',
        () => JSON.stringify(Array.from({ length: 101 }, () => EVENT())),
      ])();
      const res = await fetch(`${t.url}${BASE}/events`, { method: 'POST', headers, body });
      if (res.status >= 500)
        failures.push(
          `raw publish: ${res.status} ${(await res.text()).slice(0, 300)} for ${JSON.stringify(headers).slice(0, 300)} ${body.slice(0, 300)}`,
        );
      else await res.arrayBuffer();
      if (res.status === 200) published.ok++;
      else if (res.status === 400 || res.status === 415) published.refused++;
    }
    expect(published.ok).toBeGreaterThan(5);
    expect(published.refused).toBeGreaterThan(5);

    // Reads with odd ids, cursors and filters.
    const READS = [
      `${BASE}/events`,
      `${BASE}/actions`,
      `${BASE}/sources`,
      `${BASE}/rules`,
      `${BASE}/endpoints`,
      `${BASE}/engine/workflows`,
      `${BASE}/engine/tasks`,
      `${BASE}/providers`,
      '/api/orgs',
      '/api/orgs/default/api-keys',
    ];
    const ITEMS = ['events', 'actions', 'sources', 'rules', 'endpoints', 'engine/workflows', 'engine/tasks'];
    const PARAMS = [
      'limit',
      'cursor',
      'before',
      'since',
      'until',
      'status',
      'type',
      'source',
      'q',
      'endpoint',
      'rule',
      'event',
      'targetType',
      'includeDeleted',
      'kind',
      'queue',
    ];
    const odd = () =>
      pick([
        '',
        '0',
        '-1',
        '1e9',
        'abc',
        '%ZZ',
        'evt_',
        'evt_00000000000000000000000000',
        '2026-13-45',
        'true',
        '[]',
        '%00',
        'x'.repeat(3000),
      ]);
    for (let i = 0; i < ROUNDS; i++) {
      const url =
        next() < 0.6
          ? `${pick(READS)}?${Array.from({ length: 1 + int(3) }, () => `${pick(PARAMS)}=${odd()}`).join('&')}`
          : `${BASE}/${pick(ITEMS)}/${encodeURIComponent(odd()) || 'x'}${pick(['', '/raw', '?x=1'])}`;
      const res = await t.api.get(url);
      if (res.status >= 500)
        failures.push(`GET ${url.slice(0, 200)}: ${res.status} ${res.text.slice(0, 300)}`);
    }
    expect(failures).toEqual([]);
    expect(matched).toBeGreaterThan(0);
    expect(created).toBeGreaterThan(5);
    expect(refused).toBeGreaterThan(20);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});
