// Requests refused while the database is out: each still gets its 503 with Retry-After, but the log says so once
// when the failures begin (then once a minute, with counts) and once when requests succeed again, instead of a
// warning per request (thousands a minute from a busy webhook provider).
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, createSource, deliver } from '../helpers/ingest.js';
import { capturedLogger } from '../helpers/logs.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { freshPostgresSchema, postgresAvailable } from '../helpers/services.js';

const available = await postgresAvailable();

describe.skipIf(!available)('request failures during a database outage', () => {
  let t: TestApp | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await t?.close();
    t = undefined;
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('logs the outage once when it begins and once when requests succeed again', async () => {
    const { url, drop } = await freshPostgresSchema();
    cleanups.push(drop);
    const { proxy, url: viaProxy } = await TcpProxy.toDatabase(url);
    cleanups.push(() => proxy.close());
    const { logger, lines } = capturedLogger('info');
    t = await startTestApp('postgres', { databaseUrl: viaProxy, logger });
    const app = t;
    await createSource(app, {
      slug: 'app',
      verifier: { type: 'api_key', in: 'header', name: 'x-api-key' },
      secret: 'key-1',
    });
    const webhook = (n: number) =>
      deliver(app, 'app', {
        headers: { 'content-type': 'application/json', 'x-api-key': 'key-1' },
        body: JSON.stringify({ n }),
      });
    expect((await webhook(0)).status).toBe(200);

    proxy.cut();
    const from = lines.length;
    const statuses: number[] = [];
    for (let i = 1; i <= 30; i++) {
      const res = await webhook(i);
      statuses.push(res.status);
      expect(res.status, res.text).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.json.code).toBe('EH_STORE_UNAVAILABLE');
    }
    for (let i = 0; i < 10; i++) {
      const res = await app.api.get(`${BASE}/sources`);
      expect(res.status).toBe(503);
    }
    const during = lines.slice(from);
    const requestWarnings = during.filter(
      (l) => l.msg === 'the database is unavailable' || l.msg === 'a database query timed out',
    );
    expect(requestWarnings).toHaveLength(1);
    expect(requestWarnings[0]).toMatchObject({ level: 40, error: expect.stringMatching(/^The database/) });
    // No stack: the reason and the driver's error say what is wrong.
    expect(JSON.stringify(requestWarnings[0])).not.toContain('    at ');

    proxy.restore();
    const until = Date.now() + 10_000;
    let ok = false;
    while (!ok && Date.now() < until) {
      ok = (await webhook(99)).status === 200;
      if (!ok) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ok).toBe(true);
    const recovered = lines.slice(from).filter((l) => l.msg === 'requests succeed again');
    expect(recovered).toEqual([
      expect.objectContaining({ level: 30, failures: expect.any(Number), forMs: expect.any(Number) }),
    ]);
    expect(recovered[0]!.failures).toBeGreaterThanOrEqual(40);
  });
});
