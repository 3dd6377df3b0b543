// Issue 3, end to end: ingest limits over real HTTP. A 1 GiB streamed upload is cut off at the limit (not buffered),
// per-source body limits up to the server maximum, token-bucket rate limits with Retry-After, IP allow-lists with
// and without a trusted proxy, JSON nesting depth, header count and size; each refusal counted in /metrics.
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  BASE,
  createSource,
  deliver,
  eventCount,
  ingestUrlOf,
  metricValue,
  storedEvent,
  type Delivery,
} from '../helpers/ingest.js';

const SECRET = 'limits-secret';
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
let deliveryCounter = 0;

/** A GitHub delivery of `body`, signed, with a fresh delivery id (so dedup never hides a request). */
async function github(body: string, headers: Record<string, string> = {}): Promise<Delivery> {
  return {
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': `limits-${++deliveryCounter}`,
      'x-hub-signature-256': await sign(SECRET, body),
      ...headers,
    },
    body,
  };
}

/**
 * Streams up to `total` bytes of JSON-ish filler, generated lazily, to `url` with chunked encoding (or a declared
 * Content-Length). Resolves with the status the server answered and how many bytes the client managed to hand to
 * the socket before the server closed it.
 */
function streamUpload(
  url: string,
  total: number,
  declareLength: boolean,
): Promise<{ status: number; sent: number; closed: boolean }> {
  return new Promise((resolve) => {
    let sent = 0;
    let status = 0;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const source = new Readable({
      read() {
        if (sent >= total) return void this.push(null);
        sent += chunk.length;
        this.push(chunk);
      },
    });
    const u = new URL(url);
    const req = httpRequest({
      host: u.hostname,
      port: u.port,
      path: u.pathname,
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        ...(declareLength ? { 'content-length': String(total) } : {}),
      },
    });
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      source.destroy();
      req.destroy();
      resolve({ status, sent, closed });
    };
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => setTimeout(() => finish(req.socket?.destroyed ?? true), 200));
    });
    req.on('error', () => finish(true));
    req.on('close', () => finish(true));
    source.pipe(req);
  });
}

describe('ingest limits over HTTP (SQLite)', () => {
  let t: TestApp;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    t = await startTestApp('sqlite', { clock });
    await createSource(t, { slug: 'github', provider: 'github', secret: SECRET });
  });
  afterAll(async () => t?.close());

  it('cuts a streamed 1 GiB upload off at the limit with 413 and closes, without buffering it', async () => {
    const rssBefore = process.memoryUsage().rss;
    const chunked = await streamUpload(ingestUrlOf(t, 'github'), GiB, false);
    expect(chunked.status).toBe(413);
    expect(chunked.closed).toBe(true);
    // The client could hand over only what fits in the socket buffers past the 1 MiB limit.
    expect(chunked.sent).toBeLessThan(64 * MiB);
    const declared = await streamUpload(ingestUrlOf(t, 'github'), GiB, true);
    expect(declared.status).toBe(413);
    expect(declared.sent).toBeLessThan(64 * MiB);
    // Refused before reading (unknown source): the upload is cut off too, not drained.
    const unknown = await streamUpload(`${ingestUrlOf(t, 'github')}-missing`, GiB, false);
    expect(unknown).toMatchObject({ status: 404, closed: true });
    expect(unknown.sent).toBeLessThan(64 * MiB);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * MiB);
    expect(
      await metricValue(t, 'eventhook_webhooks_rejected_total', { source: 'github', reason: 'too_large' }),
    ).toBe(2);
    // The server is still fine.
    expect((await deliver(t, 'github', await github('{"ok":1}'))).status).toBe(200);
  });

  it('per-source body limits: raised up to the 10 MiB maximum, refused above it at save time, lowered too', async () => {
    const big = `{"pad":"${'x'.repeat(3 * MiB)}"}`;
    expect((await deliver(t, 'github', await github(big))).status).toBe(413);
    await createSource(t, { slug: 'big', provider: 'github', secret: SECRET, bodyLimit: 10 * MiB });
    const res = await deliver(t, 'big', await github(big));
    expect(res.status).toBe(200);
    expect((await storedEvent(t, res.json.eventId)).rawBody?.length).toBe(big.length);

    const tooBig = await t.api.post(`${BASE}/sources`, {
      slug: 'huge',
      provider: 'github',
      secret: SECRET,
      bodyLimit: 10 * MiB + 1,
    });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.errors).toEqual([
      { path: '/bodyLimit', message: `must be at most ${10 * MiB} bytes` },
    ]);
    const patched = await t.api.patch(`${BASE}/sources/big`, { bodyLimit: 64 * MiB });
    expect(patched.status).toBe(400);

    await createSource(t, { slug: 'small', provider: 'github', secret: SECRET, bodyLimit: 1024 });
    expect((await deliver(t, 'small', await github(`{"pad":"${'x'.repeat(1000)}"}`))).status).toBe(200);
    const over = await deliver(t, 'small', await github(`{"pad":"${'x'.repeat(1100)}"}`));
    expect(over.status).toBe(413);
    expect(over.json).toMatchObject({ code: 'EH_REQUEST_TOO_LARGE' });
  });

  it('rate limits per source with a token bucket: 429 with Retry-After, refilled as time passes', async () => {
    await createSource(t, {
      slug: 'limited',
      provider: 'github',
      secret: SECRET,
      rateLimit: { perSecond: 0.5, burst: 2 },
    });
    expect((await deliver(t, 'limited', await github('{"n":1}'))).status).toBe(200);
    expect((await deliver(t, 'limited', await github('{"n":2}'))).status).toBe(200);
    const before = await eventCount(t);
    const limited = await deliver(t, 'limited', await github('{"n":3}'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.json).toMatchObject({ code: 'EH_INGEST_RATE_LIMITED' });
    expect(await eventCount(t)).toBe(before);
    // Other sources have their own buckets.
    expect((await deliver(t, 'github', await github('{"n":4}'))).status).toBe(200);
    clock.advance(2_000);
    expect((await deliver(t, 'limited', await github('{"n":5}'))).status).toBe(200);
    expect((await deliver(t, 'limited', await github('{"n":6}'))).status).toBe(429);
    expect(
      await metricValue(t, 'eventhook_webhooks_rejected_total', {
        source: 'limited',
        reason: 'rate_limited',
      }),
    ).toBe(2);
  });

  it('refuses JSON nested deeper than the limit with 400, keeping the body as a failed event', async () => {
    const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    expect((await deliver(t, 'github', await github(nested(64)))).status).toBe(200);
    const deep = await deliver(t, 'github', await github(nested(65)));
    expect(deep.status).toBe(400);
    expect(deep.json).toMatchObject({ code: 'EH_INGEST_MALFORMED' });
    expect(deep.json.detail).toContain('nesting depth exceeds the limit of 64');
    const failedId = /stored as (evt_\w+)/.exec(JSON.stringify(deep.json.errors))?.[1];
    expect(await storedEvent(t, failedId!)).toMatchObject({
      status: 'failed',
      type: 'unparsable',
      data: null,
    });
    const veryDeep = await deliver(t, 'github', await github(nested(500_000)));
    expect(veryDeep.status).toBe(400);
  });

  it('refuses too many headers and too large headers with 431', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 120; i++) many[`x-filler-${i}`] = 'v';
    const res = await deliver(t, 'github', await github('{"h":1}', many));
    expect(res.status).toBe(431);
    expect(res.json).toMatchObject({ code: 'EH_INGEST_HEADERS_TOO_LARGE' });
    const large = await deliver(t, 'github', await github('{"h":2}', { 'x-filler': 'y'.repeat(40 * 1024) }));
    expect(large.status).toBe(431);
    expect(
      await metricValue(t, 'eventhook_webhooks_rejected_total', {
        source: 'github',
        reason: 'headers_too_large',
      }),
    ).toBe(1);
  });
});

describe('IP allow-lists (SQLite)', () => {
  let direct: TestApp;
  let proxied: TestApp;

  beforeAll(async () => {
    direct = await startTestApp('sqlite');
    proxied = await startTestApp('sqlite', { env: { EVENTHOOK_TRUSTED_PROXIES: '127.0.0.1/32' } });
    for (const t of [direct, proxied]) {
      await createSource(t, {
        slug: 'loopback',
        provider: 'github',
        secret: SECRET,
        ipAllowList: ['127.0.0.0/8'],
      });
      await createSource(t, {
        slug: 'tennet',
        provider: 'github',
        secret: SECRET,
        ipAllowList: ['10.0.0.0/8', '2001:db8::/32'],
      });
    }
  });
  afterAll(async () => {
    await direct?.close();
    await proxied?.close();
  });

  it('without a trusted proxy: the peer address counts and X-Forwarded-For is ignored', async () => {
    expect((await deliver(direct, 'loopback', await github('{"ip":1}'))).status).toBe(200);
    const refused = await deliver(direct, 'tennet', await github('{"ip":2}'));
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ code: 'EH_INGEST_FORBIDDEN' });
    const spoofed = await deliver(
      direct,
      'tennet',
      await github('{"ip":3}', { 'x-forwarded-for': '10.1.2.3' }),
    );
    expect(spoofed.status).toBe(403);
    expect(
      await metricValue(direct, 'eventhook_webhooks_rejected_total', {
        source: 'tennet',
        reason: 'ip_not_allowed',
      }),
    ).toBe(2);
    // PATCH with null removes the allow-list.
    expect((await direct.api.patch(`${BASE}/sources/tennet`, { ipAllowList: null })).status).toBe(200);
    expect((await deliver(direct, 'tennet', await github('{"ip":4}'))).status).toBe(200);
    await direct.api.patch(`${BASE}/sources/tennet`, { ipAllowList: ['10.0.0.0/8', '2001:db8::/32'] });
    expect((await deliver(direct, 'tennet', await github('{"ip":5}'))).status).toBe(403);
  });

  it('behind a trusted proxy: the client is the first untrusted hop of X-Forwarded-For, IPv4 or IPv6', async () => {
    const via = async (xff: string) =>
      (await deliver(proxied, 'tennet', await github(`{"xff":"${xff}"}`, { 'x-forwarded-for': xff }))).status;
    expect(await via('10.1.2.3')).toBe(200);
    expect(await via('2001:db8::7')).toBe(200);
    expect(await via('192.0.2.1, 10.1.2.3')).toBe(200);
    expect(await via('10.9.9.9, 192.0.2.1')).toBe(403);
    expect(await via('2001:db9::1')).toBe(403);
    expect(await via('not-an-address')).toBe(403);
    // The proxy itself, with no X-Forwarded-For, is the client.
    expect((await deliver(proxied, 'loopback', await github('{"xff":"none"}'))).status).toBe(200);
    expect((await deliver(proxied, 'tennet', await github('{"xff":"none"}'))).status).toBe(403);
  });

  it('refuses malformed entries at save time, naming them', async () => {
    const res = await direct.api.post(`${BASE}/sources`, {
      slug: 'bad-ips',
      provider: 'github',
      secret: SECRET,
      ipAllowList: ['10.0.0.0/8', '10.1/16', 'example.com'],
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { path: '/ipAllowList/1', message: '"10.1/16" is not an IP address or CIDR range' },
      { path: '/ipAllowList/2', message: '"example.com" is not an IP address or CIDR range' },
    ]);
  });
});
