// Issue 3 §8 with several processes serving ingest on one database: a source's rate limit holds for all of them
// together (each takes its share), not for each. Two apps share the database here, as two API processes would.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { createSource, deliver, githubPushHeaders, metricValue } from '../helpers/ingest.js';

const SECRET = 'cluster-rate-secret';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`source rate limits shared by two ingest processes — ${backend}`, () => {
    let a: TestApp;
    let b: TestApp;
    /** Another process on a's database (and master key). */
    const another = () =>
      startTestApp(backend, {
        dataDir: a.dataDir,
        ...(backend === 'postgres' ? { databaseUrl: a.app.config.databaseUrl } : {}),
      });
    const alive = (t: TestApp, n: number) =>
      eventually(
        async () => (await metricValue(t, 'eventhook_ingest_processes_alive', {})) === n || undefined,
      );

    beforeAll(async () => {
      a = await startTestApp(backend);
      b = await another();
      // Each sees the other within a heartbeat (the sweep interval, 200 ms here).
      for (const t of [a, b]) await alive(t, 2);
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
    });

    /** Sends `n` pushes, alternating between the processes; returns how many each answered with 200 and 429. */
    const burst = async (slug: string, n: number, via: TestApp[]) => {
      const statuses: number[] = [];
      for (let i = 0; i < n; i++) {
        const body = JSON.stringify({ ref: 'refs/heads/main', n: i });
        const res = await deliver(via[i % via.length]!, slug, {
          headers: await githubPushHeaders(SECRET, body, randomUUID()),
          body,
        });
        statuses.push(res.status);
      }
      return {
        ok: statuses.filter((s) => s === 200).length,
        limited: statuses.filter((s) => s === 429).length,
      };
    };

    it('keeps a source to its limit across both processes, and gives a leaving one’s share back', async () => {
      // Slow to refill (one request every 10 s), so the sends below see the burst alone.
      await createSource(a, {
        slug: 'shared',
        provider: 'github',
        secret: SECRET,
        rateLimit: { perSecond: 0.1, burst: 6 },
      });
      // Each process alone would take 6: 12 together. Their shares are 3 each.
      expect(await burst('shared', 12, [a, b])).toEqual({ ok: 6, limited: 6 });

      const c = await another();
      await alive(a, 3);
      await c.close();
      await b.close();
      await alive(a, 1);
      // Alone, a takes the whole burst again (its bucket starts afresh at the larger share).
      expect(await burst('shared', 8, [a])).toEqual({ ok: 6, limited: 2 });
    });
  });
}
