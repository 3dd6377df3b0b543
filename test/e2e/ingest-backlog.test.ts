// A store that falls behind sheds load: while another connection holds what ingest must write, requests beyond the
// backlog limit (EVENTHOOK_INGEST_BACKLOG) are answered 503 with Retry-After at once, those within it wait and are
// committed once the store works again (none lost), a published batch is taken whole or not at all — on both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, createSource, eventCount, githubPushHeaders, metricValue } from '../helpers/ingest.js';
import { holdWriteLock } from '../helpers/write-lock.js';

const SECRET = 'backlog-secret';

/** Holds the store's write path from another connection until `release`. */
async function holdStore(
  t: TestApp,
  backend: 'sqlite' | 'postgres',
): Promise<{ release: () => Promise<void> }> {
  return { release: await holdWriteLock(backend, t.app.config.databaseUrl, ['events']) };
}

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`ingest backlog limit — ${backend}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(backend, { env: { EVENTHOOK_INGEST_BACKLOG: '4KiB' } });
      await createSource(t, { slug: 'gh', provider: 'github', secret: SECRET });
    });
    afterAll(async () => t?.close());

    /** A push of exactly 1,000 bytes: four fit in 4 KiB, a fifth does not. */
    const push = async (n: number) => {
      const filler = 'x'.repeat(1000 - JSON.stringify({ ref: `r${n}`, pad: '' }).length);
      const body = JSON.stringify({ ref: `r${n}`, pad: filler });
      expect(body.length).toBe(1000);
      const headers = await githubPushHeaders(SECRET, body, `backlog-${backend}-${n}`);
      return fetch(`${t.url}${BASE}/in/gh`, { method: 'POST', headers, body });
    };

    it('refuses what would overflow the backlog at once, and commits what it took once the store works', async () => {
      const before = await eventCount(t);
      const held = await holdStore(t, backend);
      let settled: Response[] = [];
      const answers: Promise<Response>[] = [];
      try {
        for (let n = 0; n < 12; n++) {
          const answer = push(n);
          answers.push(answer);
          void answer.then((r) => settled.push(r));
        }
        // The refusals come back while the store is still held; the taken requests wait for their commit.
        await expect.poll(() => settled.length, { timeout: 3_000 }).toBe(8);
        expect(settled.map((r) => r.status)).toEqual(Array(8).fill(503));
        const refused = settled[0]!;
        expect(refused.headers.get('retry-after')).toBe('5');
        expect(await refused.json()).toMatchObject({ code: 'EH_INGEST_OVERLOADED' });
        // The four taken wait, 1,000 bytes each: what an operator watches to see the shedding coming.
        expect(await metricValue(t, 'eventhook_ingest_backlog_bytes', {})).toBe(4000);

        // A published batch is taken whole or not at all: a small one would fit the 96 bytes left, this one does not.
        // (On SQLite the API's reads share one connection with the workers, whose writes wait for the held lock:
        // they lend it to the reads meanwhile, so this is answered while the store is still held.)
        const batch = await t.api.post(`${BASE}/events`, [
          { type: 'backlog.batch', data: { n: 1 } },
          { type: 'backlog.batch', data: { n: 2, pad: 'z'.repeat(200) } },
        ]);
        expect(batch.status).toBe(503);
        expect(batch.body.code).toBe('EH_INGEST_OVERLOADED');
      } finally {
        await held.release();
      }
      settled = await Promise.all(answers);
      const statuses = settled.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(4);
      expect(statuses.filter((s) => s === 503)).toHaveLength(8);
      // The four taken, and nothing of the refused batch.
      expect(await eventCount(t)).toBe(before + 4);
      expect(
        await metricValue(t, 'eventhook_webhooks_rejected_total', { source: 'gh', reason: 'overloaded' }),
      ).toBe(8);
      expect(await metricValue(t, 'eventhook_ingest_backlog_bytes', {})).toBe(0);

      // With the backlog drained, requests are taken again — one larger than the whole limit too, when alone.
      expect((await push(100)).status).toBe(200);
      const big = await t.api.post(`${BASE}/events`, {
        type: 'backlog.after',
        data: { big: 'y'.repeat(8000) },
      });
      expect(big.status, big.text).toBe(200);
    });
  });
}
