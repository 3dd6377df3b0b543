// The HTTP sender against real loopback receivers: results, caps, timeouts, errors, SSRF refusals, pooling.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AddressPolicy, HttpSender, type LookupFn } from '../../src/delivery/index.js';
import { startReceiver, type Receiver } from './fixtures/receiver.js';

const LOOPBACK_OPEN = AddressPolicy.fromAllowList(['127.0.0.1/32']);
const senders: HttpSender[] = [];
const receivers: Receiver[] = [];

function sender(opts: Partial<ConstructorParameters<typeof HttpSender>[0]> = {}): HttpSender {
  const s = new HttpSender({ policy: LOOPBACK_OPEN, ...opts });
  senders.push(s);
  return s;
}
async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.close()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe('HttpSender results', () => {
  it('POSTs the exact body and headers, and returns status, lower-cased headers, body and latency', async () => {
    const r = await receiver((req, res) => {
      res.setHeader('X-Seen', String(req.body.length));
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.writeHead(201).end('created');
    });
    const body = Buffer.from([0x7b, 0xff, 0x00, 0x7d]);
    const result = await sender().send({
      url: `${r.url}/hook?x=1`,
      headers: { 'Content-Type': 'application/json', 'X-Custom': 'v', Host: 'evil', 'Content-Length': '1' },
      body,
      timeoutMs: 5000,
    });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(201);
    expect(result.headers['x-seen']).toBe('4');
    expect(result.headers['set-cookie']).toBe('a=1, b=2');
    expect(result.body).toBe('created');
    expect(result.bodyTruncated).toBe(false);
    expect(result.latencyMs).toBeGreaterThan(0);
    const got = r.requests[0]!;
    expect(got.method).toBe('POST');
    expect(got.path).toBe('/hook?x=1');
    expect(got.body.equals(body)).toBe(true);
    expect(got.headers['x-custom']).toBe('v');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['host']).toBe(`127.0.0.1:${r.port}`); // reserved headers are the sender's own
    expect(got.headers['content-length']).toBe('4');
    expect(got.headers['user-agent']).toMatch(/^Eventhook/);
    expect(result.requestHeaders).toMatchObject({ 'x-custom': 'v', 'user-agent': got.headers['user-agent'] });
    expect(result.requestHeaders).not.toHaveProperty('host');
  });

  it('keeps at most the body cap and says the rest was cut', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(500).end('x'.repeat(100_000));
    });
    const result = await sender({ responseBodyCap: 1000 }).send({
      url: r.url,
      headers: {},
      body: '',
      timeoutMs: 5000,
    });
    expect(result.status).toBe(500);
    expect(result.body).toBe('x'.repeat(1000));
    expect(result.bodyTruncated).toBe(true);
    const whole = await sender().send({ url: r.url, headers: {}, body: '', timeoutMs: 5000 });
    expect(whole.body).toHaveLength(16 * 1024); // default cap 16 KiB
  });

  it('stops reading a huge body instead of downloading it, and the next delivery still works', async () => {
    const r = await receiver((req, res) => {
      if (req.path === '/small') return void res.writeHead(200).end('fine');
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      let sent = 0;
      const pump = () => {
        while (sent < 64 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (sent < 64 * 1024 * 1024) res.once('drain', pump);
        else res.end();
      };
      res.on('close', () => (sent = Infinity));
      pump();
    });
    const s = sender();
    const big = await s.send({ url: `${r.url}/big`, headers: {}, body: '', timeoutMs: 10_000 });
    expect(big.status).toBe(200);
    expect(big.error).toBeUndefined();
    expect(big.body).toHaveLength(16 * 1024);
    expect(big.bodyTruncated).toBe(true);
    expect((await s.send({ url: `${r.url}/small`, headers: {}, body: '', timeoutMs: 5000 })).body).toBe(
      'fine',
    );
  });

  it('does not follow redirects: a 3xx is the answer, and the target of Location sees nothing', async () => {
    const elsewhere = await receiver();
    const r = await receiver((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/stolen` }).end();
    });
    const result = await sender().send({ url: r.url, headers: {}, body: 'secret', timeoutMs: 5000 });
    expect(result.status).toBe(302);
    expect(result.headers['location']).toBe(`${elsewhere.url}/stolen`);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('times out a receiver that never answers, and one that stalls mid-body', async () => {
    const silent = await receiver(() => {});
    const t = await sender().send({ url: silent.url, headers: {}, body: '', timeoutMs: 150 });
    expect(t.error?.kind).toBe('timeout');
    expect(t.status).toBeUndefined();
    expect(t.latencyMs).toBeGreaterThanOrEqual(140);

    const stalling = await receiver((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
    });
    const s = await sender().send({ url: stalling.url, headers: {}, body: '', timeoutMs: 150 });
    expect(s.status).toBe(200);
    expect(s.error?.kind).toBe('timeout');
  });

  it('the deadline covers name resolution too: a hanging DNS answer times out on time', async () => {
    const hanging: LookupFn = () => new Promise(() => {});
    const started = Date.now();
    const s = sender({ lookup: hanging, connectTimeoutMs: 1500 });
    const result = await s.send({ url: 'http://slow-dns.example/', headers: {}, body: '', timeoutMs: 100 });
    expect(result.error?.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1000); // the request's deadline, not the connect bound
  });

  it('reports connection refused and DNS failures as results, never throwing', async () => {
    const r = await receiver();
    const port = r.port;
    await r.close();
    const refused = await sender().send({
      url: `http://127.0.0.1:${port}/`,
      headers: {},
      body: '',
      timeoutMs: 5000,
    });
    expect(refused.error?.kind).toBe('connection');
    expect(refused.error?.message).toMatch(/ECONNREFUSED/);

    const noSuchHost: LookupFn = async (host) => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
        code: 'ENOTFOUND',
        syscall: 'getaddrinfo',
      });
    };
    const dns = await sender({ lookup: noSuchHost }).send({
      url: 'http://nowhere.invalid/',
      headers: {},
      body: '',
      timeoutMs: 5000,
    });
    expect(dns.error?.kind).toBe('dns');
  });

  it('reports a TLS failure as tls', async () => {
    const plain = await receiver();
    const result = await sender().send({
      url: `https://127.0.0.1:${plain.port}/`,
      headers: {},
      body: '',
      timeoutMs: 5000,
    });
    expect(result.error?.kind).toBe('tls');
  });

  it('rejects URLs it can never send to', async () => {
    for (const url of ['ftp://example.com/', 'not a url', 'http://user:pw@example.com/']) {
      const result = await sender().send({ url, headers: {}, body: '', timeoutMs: 1000 });
      expect(result.error?.kind).toBe('invalid_request');
    }
  });
});

describe('HttpSender SSRF guard', () => {
  let target: Receiver;
  beforeAll(async () => {
    target = await startReceiver();
  });
  afterAll(async () => {
    await target.close();
  });
  const strict = () => sender({ policy: AddressPolicy.strict() });
  const toEvil: LookupFn = async () => [{ address: '127.0.0.1', family: 4 }];

  it.each([
    ['loopback literal', (port: number) => `http://127.0.0.1:${port}/`],
    ['loopback IPv6', (port: number) => `http://[::1]:${port}/`],
    ['IPv4-mapped loopback', (port: number) => `http://[::ffff:7f00:1]:${port}/`],
    ['localhost', (port: number) => `http://localhost:${port}/`],
    ['decimal-integer loopback', (port: number) => `http://2130706433:${port}/`],
    ['unspecified', (port: number) => `http://0.0.0.0:${port}/`],
  ])('refuses %s, and nothing reaches the receiver', async (_name, url) => {
    const before = target.requests.length;
    const result = await strict().send({ url: url(target.port), headers: {}, body: '', timeoutMs: 5000 });
    expect(result.error?.kind).toBe('forbidden_address');
    expect(result.status).toBeUndefined();
    expect(target.requests.length).toBe(before);
  });

  it.each([
    'http://[::ffff:169.254.169.254]/latest/meta-data/',
    'http://169.254.169.254/',
    'http://[fd00:ec2::254]/',
    'http://10.0.0.1/',
    'http://[fe80::1]/',
  ])('refuses %s before opening any socket', async (url) => {
    const result = await strict().send({ url, headers: {}, body: '', timeoutMs: 5000 });
    expect(result.error).toMatchObject({ kind: 'forbidden_address' });
  });

  it('refuses a host name that resolves to 127.0.0.1', async () => {
    const result = await sender({ policy: AddressPolicy.strict(), lookup: toEvil }).send({
      url: `http://evil.example:${target.port}/`,
      headers: {},
      body: '',
      timeoutMs: 5000,
    });
    expect(result.error?.kind).toBe('forbidden_address');
    expect(result.error?.message).toContain('evil.example');
    expect(result.error?.message).toContain('127.0.0.1: loopback');
  });

  it('connects only to the checked address: refused ones in a DNS answer are dropped, and DNS is asked once', async () => {
    let lookups = 0;
    const mixed: LookupFn = async () => {
      lookups++;
      return lookups === 1
        ? [
            { address: '10.0.0.1', family: 4 },
            { address: '127.0.0.1', family: 4 },
          ]
        : [{ address: '10.9.9.9', family: 4 }]; // a rebinding answer, if anyone asked again
    };
    const result = await sender({ lookup: mixed }).send({
      url: `http://rebind.example:${target.port}/`,
      headers: {},
      body: 'x',
      timeoutMs: 5000,
    });
    expect(result.status).toBe(200);
    expect(lookups).toBe(1);
  });

  it('delivers to loopback once the allow-list opens it (by range or by host name)', async () => {
    const byRange = await sender().send({
      url: `http://127.0.0.1:${target.port}/`,
      headers: {},
      body: '',
      timeoutMs: 5000,
    });
    expect(byRange.status).toBe(200);
    const byHost = await sender({ policy: AddressPolicy.fromAllowList(['localhost']) }).send({
      url: `http://localhost:${target.port}/`,
      headers: {},
      body: '',
      timeoutMs: 5000,
    });
    expect(byHost.status).toBe(200);
  });

  it('refuses every request to a refused origin, not only the first', async () => {
    const s = strict();
    for (let i = 0; i < 2; i++) {
      const result = await s.send({
        url: `http://127.0.0.1:${target.port}/`,
        headers: {},
        body: '',
        timeoutMs: 5000,
      });
      expect(result.error?.kind).toBe('forbidden_address');
    }
  });
});

describe('HttpSender pooling', () => {
  it('reuses one connection for sequential deliveries to the same origin', async () => {
    const r = await receiver();
    const s = sender();
    for (let i = 0; i < 5; i++) {
      expect((await s.send({ url: r.url, headers: {}, body: String(i), timeoutMs: 5000 })).status).toBe(200);
      // undici returns the socket to the pool just after the body ends; one macrotask later it is idle.
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(r.requests).toHaveLength(5);
    expect(r.connections).toBe(1);
  });

  it('a slow endpoint does not hold up deliveries to another', async () => {
    const held: Array<() => void> = [];
    const slow = await receiver((_req, res) => {
      held.push(() => res.writeHead(200).end());
    });
    const fast = await receiver();
    const s = sender({ connectionsPerOrigin: 4 });
    const slowOnes = Array.from({ length: 20 }, () =>
      s.send({ url: slow.url, headers: {}, body: '', timeoutMs: 10_000 }),
    );
    const quick = await s.send({ url: fast.url, headers: {}, body: '', timeoutMs: 10_000 });
    expect(quick.status).toBe(200);
    expect(held.length).toBeLessThanOrEqual(4); // the slow origin is capped at its own pool
    // Release the slow ones as they arrive.
    const release = setInterval(() => held.splice(0).forEach((f) => f()), 5);
    const results = await Promise.all(slowOnes);
    clearInterval(release);
    expect(results.every((x) => x.status === 200)).toBe(true);
  });
});
