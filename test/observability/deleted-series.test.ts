// /metrics over a long run: the series of a source, and of an org, that have been deleted leave the scrape (the
// store is asked at most every 10 minutes, when scraped) instead of staying for the life of the process; those of
// sources and orgs that still exist stay, with their counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { PRUNE_EVERY_MS } from '../../src/observability/deleted-series.js';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, createSource, deliver } from '../helpers/ingest.js';

describe('series of deleted sources and orgs', () => {
  let t: TestApp;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    t = await startTestApp('sqlite', { clock });
  });
  afterAll(async () => t?.close());

  const scrape = async () => {
    const res = await t.api.get('/metrics');
    expect(res.status).toBe(200);
    return res.text as string;
  };

  it('are dropped once the store says they are gone; the others keep their counts', async () => {
    for (const slug of ['kept', 'gone']) {
      await createSource(t, { slug, verifier: { type: 'none' } });
      expect((await deliver(t, slug, { body: '{"a":1}' })).status).toBe(200);
    }
    expect((await t.api.post('/api/orgs', { slug: 'brief' })).status).toBe(201);
    const published = await t.api.post('/api/orgs/brief/eventhook/events', { type: 'x', data: {} });
    expect(published.status, published.text).toBe(200);
    const received = (source: string) =>
      `eventhook_events_received_total{org="default",source="${source}"} 1`;
    const routed = /eventhook_events_routed_total\{org="brief",status="unrouted"\} 1/;
    await eventually(async () => routed.test(await scrape()) || undefined, 10_000);

    expect((await t.api.delete(`${BASE}/sources/gone`)).status).toBe(204);
    expect((await t.api.delete('/api/orgs/brief')).status).toBe(202);
    // Not looked for before PRUNE_EVERY_MS: the scrape never waits on the store for it.
    expect(await scrape()).toContain(received('gone'));

    clock.advance(PRUNE_EVERY_MS);
    await scrape();
    const text = await eventually(async () => {
      const now = await scrape();
      return now.includes('source="gone"') ? undefined : now;
    }, 10_000);
    expect(text).toContain(received('kept'));
    expect(text).not.toMatch(/org="brief"/);
    expect(text).toMatch(/eventhook_events_routed_total\{org="default"/);
  }, 60_000);
});
