// Issue 3 under hostile input: random requests to sources of several kinds — bodies that are JSON, broken JSON,
// deeply nested JSON, forms with bad escapes, multipart without or with a wrong boundary, text in odd charsets,
// invalid UTF-8, random bytes; signature headers with garbage; odd methods and query strings. A sender of bad input
// gets a 4xx, never a 5xx; every 2xx that names an event names a stored one; and the server keeps serving.
// FUZZ_SEED=n draws another sequence.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, createSource, storedEvent } from '../helpers/ingest.js';
import { seededRandom } from '../helpers/random.js';

const REQUESTS = 400;

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

function send(t: TestApp, r: Sent): Promise<{ status: number; text: string }> {
  const url = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: r.method,
        path: r.path,
        headers: { ...r.headers, 'content-length': String(r.body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

/** What a request draws from. */
function drawRequest(next: () => number, slugs: readonly string[]): Sent {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const int = (n: number) => Math.floor(next() * n);
  const garbage = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const text = (n: number) =>
    Array.from({ length: n }, () =>
      pick(['a', 'é', '"', '\\', '{', '}', '%', '\u0000', '😀', '.', ' ', '=']),
    ).join('');
  const json = (depth: number): unknown =>
    depth <= 0
      ? pick<unknown>([null, true, int(1e9), -1.5e308, text(int(12)), 'push', ''])
      : pick([
          () =>
            Object.fromEntries(
              Array.from({ length: int(4) }, () => [
                pick(['type', 'event', 'action', 'id', text(4)]),
                json(depth - 1),
              ]),
            ),
          () => Array.from({ length: int(4) }, () => json(depth - 1)),
          () => json(0),
        ])();
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  const bodies: (() => Buffer)[] = [
    () => Buffer.from(JSON.stringify(json(1 + int(4)))),
    () => Buffer.from(JSON.stringify(json(3)).slice(0, int(40))), // cut short
    () => Buffer.from(nested(10 + int(3000))),
    () =>
      Buffer.from(
        `{"type":${pick(['1', '{}', '[]', 'null', 'true', '"a.b"'])},"event_type":${pick(['2', '"x"', '[]'])}}`,
      ),
    () => Buffer.from(`a=${text(5)}&b=%ZZ&c=%E0%A4%A&${pick(['type', 'event'])}=${text(3)}&&=&x`),
    () =>
      Buffer.from(
        `--${pick(['b', 'xyz', ''])}\r\nContent-Disposition: form-data; name="${text(3)}"\r\n\r\n${text(8)}\r\n--${pick(['b', 'other'])}--`,
      ),
    () => Buffer.concat([Buffer.from('{"type":"'), garbage(8), Buffer.from('"}')]), // invalid UTF-8 inside JSON
    () => garbage(int(300)),
    () => Buffer.from(text(int(200))),
    () => Buffer.alloc(0),
    () => Buffer.from(pick(['null', '[]', '"str"', '12', '{}', 'true', '\ufeff{"type":"bom"}'])),
  ];
  const contentTypes = [
    undefined,
    'application/json',
    'application/json; charset=utf-16',
    'application/cloudevents+json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=b',
    'multipart/form-data',
    'text/plain; charset=iso-8859-1',
    'text/plain; charset=no-such-charset',
    'application/xml',
    'application/octet-stream',
    'a/b; c',
    ';;;',
  ];
  const headers: Record<string, string> = {};
  const contentType = pick(contentTypes);
  if (contentType !== undefined) headers['content-type'] = contentType;
  const signatureHeaders: [string, () => string][] = [
    [
      'x-hub-signature-256',
      () => pick(['sha256=', 'sha256=zz', `sha256=${'0'.repeat(64)}`, 'md5=1', text(20)]),
    ],
    ['x-github-event', () => pick(['push', '', text(6), 'a'.repeat(300)])],
    ['x-github-delivery', () => pick([text(10), 'a'.repeat(1000), ''])],
    ['webhook-id', () => pick(['msg_1', 'a.b', '', text(8)])],
    [
      'webhook-timestamp',
      () => pick(['abc', '99999999999999999999', '-1', '1.5', String(Math.floor(Date.now() / 1000))]),
    ],
    ['webhook-signature', () => pick(['v1,', 'v1,%%%', 'v1a,abc v1,def', `v1,${'A'.repeat(44)}`, text(30)])],
    ['x-twilio-signature', () => pick(['', '====', text(28)])],
    [
      'authorization',
      () =>
        pick([
          'Bearer a.b.c',
          'Bearer ',
          'Basic ####',
          `Bearer ${'x'.repeat(2000)}`,
          'Bearer eyJhbGciOiJub25lIn0.e30.',
        ]),
    ],
    ['x-slack-signature', () => pick(['v0=', 'v0=zz', text(10)])],
    ['x-slack-request-timestamp', () => pick(['0', 'x', '1e99'])],
  ];
  for (const [name, value] of signatureHeaders) if (next() < 0.3) headers[name] = value();
  // Header values must be printable latin-1 on the wire; others are dropped here, as a client would refuse them.
  for (const [name, value] of Object.entries(headers))
    if (/[^\u0020-\u00ff]/.test(value)) delete headers[name];
  const query = pick([
    '',
    '?token=x',
    '?hub.mode=subscribe&hub.verify_token=x&hub.challenge=123',
    '?validationToken=abc',
    '?bodySHA256=zz',
    '?a=%ZZ',
    `?${'q='.repeat(200)}`,
  ]);
  const suffix = pick(['', '', '', '/extra', '/a/b']);
  return {
    method: pick(['POST', 'POST', 'POST', 'PUT', 'PATCH', 'GET', 'DELETE']),
    path: `${BASE}/in/${pick(slugs)}${suffix}${query}`,
    headers,
    body: pick(bodies)(),
  };
}

describe('ingest under random hostile input (SQLite)', () => {
  let t: TestApp;
  // The open source (no verifier) thrice: its requests reach the parsers and the store.
  const slugs = [
    'open',
    'open',
    'open',
    'github',
    'sw',
    'twilio',
    'jwt',
    'slack',
    'meta',
    'zoom',
    'no-such-source',
  ];

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    await createSource(t, { slug: 'open', verifier: { type: 'none' } });
    await createSource(t, { slug: 'github', provider: 'github', secret: 'fuzz-secret' });
    await createSource(t, {
      slug: 'sw',
      provider: 'standard-webhooks',
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    });
    await createSource(t, { slug: 'twilio', provider: 'twilio', secret: 'fuzz-auth-token' });
    await createSource(t, {
      slug: 'jwt',
      verifier: { type: 'jwt', algorithms: ['HS256'] },
      secret: 'fuzz-jwt-secret-0123456789abcdef',
    });
    await createSource(t, { slug: 'slack', provider: 'slack', secret: 'fuzz-slack-secret' });
    await createSource(t, {
      slug: 'meta',
      provider: 'meta',
      secret: 'fuzz-app-secret',
      options: { verifyToken: 'x' },
    });
    await createSource(t, { slug: 'zoom', provider: 'zoom', secret: 'fuzz-zoom-secret' });
  });
  afterAll(async () => t?.close());

  it('answers every request with less than 500, and every event it acknowledges is stored', async () => {
    const next = seededRandom(Number(process.env.FUZZ_SEED || 3));
    const failures: string[] = [];
    const acknowledged: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < REQUESTS; i++) {
      const r = drawRequest(next, slugs);
      const res = await send(t, r);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500)
        failures.push(
          `${res.status} ${res.text.slice(0, 200)} for ${r.method} ${r.path.slice(0, 120)} ${JSON.stringify(r.headers).slice(0, 300)} body ${r.body.toString('base64').slice(0, 200)}`,
        );
      if (res.status >= 200 && res.status < 300) {
        const id = (() => {
          try {
            return (JSON.parse(res.text) as { eventId?: string }).eventId;
          } catch {
            return undefined;
          }
        })();
        if (id !== undefined) acknowledged.push(id);
      }
    }
    expect(failures).toEqual([]);
    for (const id of acknowledged) expect((await storedEvent(t, id)).id).toBe(id);
    // The sequence reached acceptance and refusal alike, so the checks above are not vacuous.
    expect(acknowledged.length).toBeGreaterThan(10);
    expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThan(3);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});
