// SQLite held locked by another connection (another process, a backup, a sqlite3 shell) past the busy wait (5 s): a
// request that writes is told to come back (503 EH_STORE_TIMEOUT with Retry-After), such refusals logged once as a
// warning naming the lock as they begin, nothing stored; the same request succeeds once the lock is free. Webhooks and published events (the
// ingest writer thread) and a management write (the main connection) alike; worker passes and chores warn too.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, createSource, githubPushHeaders } from '../helpers/ingest.js';
import { capturedLogger } from '../helpers/logs.js';

const SECRET = 'locked-secret';
/** pino's level for error lines. */
const ERROR_LEVEL = 50;

describe('SQLite locked by another connection', () => {
  const log = capturedLogger('warn');
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { logger: log.logger });
    await createSource(t, { slug: 'gh', provider: 'github', secret: SECRET });
  });
  afterAll(async () => t?.close());

  const pushBody = JSON.stringify({ ref: 'refs/heads/locked' });
  const webhook = async () =>
    fetch(`${t.url}${BASE}/in/gh`, {
      method: 'POST',
      headers: await githubPushHeaders(SECRET, pushBody, 'locked-delivery-1'),
      body: pushBody,
    });
  const publish = () =>
    t.api.post(`${BASE}/events`, { id: 'locked-1', type: 'locked.published', data: { n: 1 } });
  const createOtherSource = () =>
    t.api.post(`${BASE}/sources`, { slug: 'later', provider: 'github', secret: 'later-secret' });
  const countOf = async (type: string) =>
    (await t.api.get(`${BASE}/events?type=${type}`)).body.items.length as number;

  it('answers 503 with Retry-After while the lock is held past the busy wait, and takes the same requests after', async () => {
    const logged = log.lines.length;
    const holder = new Database(join(t.dataDir, 'eventhook.db'));
    holder.exec('begin immediate');
    const started = Date.now();
    let refused: [Response, Awaited<ReturnType<typeof publish>>, Awaited<ReturnType<typeof publish>>];
    try {
      refused = await Promise.all([webhook(), publish(), createOtherSource()]);
    } finally {
      holder.exec('rollback');
      holder.close();
    }
    const elapsed = Date.now() - started;
    // The busy wait, once: not one more for each request that shared the ingest commit.
    expect(elapsed).toBeGreaterThanOrEqual(4_900);
    expect(elapsed).toBeLessThan(9_500);

    const [hook, published, source] = refused;
    expect(hook.status).toBe(503);
    expect(hook.headers.get('retry-after')).toBe('5');
    expect(hook.headers.get('content-type')).toContain('application/problem+json');
    const hookProblem = (await hook.json()) as { code: string; detail: string };
    expect(hookProblem).toMatchObject({
      code: 'EH_STORE_TIMEOUT',
      detail: expect.stringContaining(
        'the SQLite database stayed locked by another connection for over 5000 ms',
      ),
    });
    for (const res of [published, source]) {
      expect(res.status, res.text).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.body).toMatchObject({ code: 'EH_STORE_TIMEOUT', detail: hookProblem.detail });
      // No driver text and no SQL reach the caller.
      expect(res.text).not.toMatch(/database is locked|insert into|SQLITE_BUSY/i);
    }

    // The refusals logged once, as they began, as a warning with the reason (not one per request); nothing logged as
    // an error (no 500, no crashed pass).
    const lines = log.lines.slice(logged);
    const timedOut = lines.filter((l) => l.msg === 'a database query timed out');
    expect(timedOut).toHaveLength(1);
    expect([`POST ${BASE}/events`, `POST ${BASE}/in/gh`, `POST ${BASE}/sources`]).toContain(
      `${String(timedOut[0]!.method)} ${String(timedOut[0]!.url)}`,
    );
    expect(timedOut[0]!.level).toBe(40);
    expect(timedOut[0]!.error).toContain('stayed locked by another connection');
    expect(lines.filter((l) => l.level >= ERROR_LEVEL)).toEqual([]);

    // Nothing was stored: the refused webhook and event were never acknowledged, so nothing is lost either.
    expect(await countOf('push')).toBe(0);
    expect(await countOf('locked.published')).toBe(0);

    // Sent again, as a provider or a client does after Retry-After: taken, once each.
    expect((await webhook()).status).toBe(200);
    const again = await publish();
    expect(again.status, again.text).toBe(200);
    expect((await createOtherSource()).status).toBe(201);
    expect(await countOf('push')).toBe(1);
    expect(await countOf('locked.published')).toBe(1);
  }, 30_000);
});
