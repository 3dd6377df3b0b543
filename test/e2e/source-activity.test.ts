// GET /sources/{source} answers whether the provider is sending and getting through: the newest event (a refused
// request too, when the source keeps them) and how many events came in the last 24 h, on both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { newId, type SourceId } from '../../src/core/ids.js';
import { backendAvailable, BACKENDS, type TestApp, startTestApp } from '../helpers/app.js';
import { BASE, createSource, deliver, githubPushHeaders } from '../helpers/ingest.js';

const SECRET = 'activity-secret';
const HOUR = 3600_000;

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`source activity — ${backend}`, () => {
    let t: TestApp;
    // Ids are monotonic within a process, and carry the receipt time: each suite's clock starts a month after the
    // previous suite's, which moved its own clock a day on.
    const clock = new ManualClock(Date.now() + BACKENDS.indexOf(backend) * 30 * 24 * HOUR);
    let sent = 0;

    beforeAll(async () => {
      t = await startTestApp(backend, { clock });
      await createSource(t, { slug: 'gh', provider: 'github', secret: SECRET, storeRejected: true });
      await createSource(t, { slug: 'quiet', provider: 'github', secret: SECRET });
    });
    afterAll(async () => t?.close());

    const push = async (secret = SECRET) => {
      const body = JSON.stringify({ ref: `refs/heads/n${sent}` });
      const headers = await githubPushHeaders(secret, body, `d-${backend}-${sent++}`);
      return (await deliver(t, 'gh', { headers, body })).status;
    };
    const activity = async (slug: string) => {
      const res = await t.api.get(`${BASE}/sources/${slug}`);
      expect(res.status, res.text).toBe(200);
      return res.body.activity;
    };

    it('has none before the first webhook', async () => {
      expect(await activity('quiet')).toEqual({
        lastEvent: null,
        eventsLast24h: 0,
        eventsLast24hCapped: false,
      });
    });

    it('shows the newest event and counts only the last 24 h', async () => {
      for (let i = 0; i < 3; i++) expect(await push()).toBe(200);
      clock.advance(25 * HOUR);
      expect(await push()).toBe(200);
      clock.advance(HOUR);
      expect(await push()).toBe(200);
      const a = await activity('gh');
      expect(a.eventsLast24h).toBe(2);
      expect(a.eventsLast24hCapped).toBe(false);
      expect(a.lastEvent).toMatchObject({ type: 'push', receivedAt: new Date(clock.now()).toISOString() });
      expect(a.lastEvent.id).toMatch(/^evt_/);
      // Another source's events are not this one's.
      expect((await activity('quiet')).eventsLast24h).toBe(0);
    });

    it('shows a refused request as the newest event when the source keeps them', async () => {
      clock.advance(1000);
      expect(await push('not-the-secret')).toBe(401);
      const a = await activity('gh');
      expect(a.lastEvent).toMatchObject({ type: 'rejected', status: 'rejected' });
      expect(a.eventsLast24h).toBe(3);
    });

    it('stops counting at the cap it is given', async () => {
      const source = (await t.api.get(`${BASE}/sources/gh`)).body.id as SourceId;
      const since = clock.now() - 24 * HOUR;
      expect(await t.app.store.events.sourceActivity('default', source, since, 2)).toMatchObject({
        recent: 2,
      });
      expect(await t.app.store.events.sourceActivity('default', source, since, 100)).toMatchObject({
        recent: 3,
      });
      const none = newId('source') as SourceId;
      expect(await t.app.store.events.sourceActivity('default', none, since, 100)).toEqual({
        last: null,
        recent: 0,
      });
    });
  });
}
