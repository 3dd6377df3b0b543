// The ingest route's source cache under a flood of slugs no source has: anyone may send those (the route takes no
// key), so they must not push the org's real sources out of the cache, and a source made after its slug was
// refused is served at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createSource, deliver, ORG } from '../helpers/ingest.js';

/** More unknown slugs than the cache holds entries. */
const FLOOD = 10_500;
const CONCURRENCY = 64;

describe('ingest source cache', () => {
  let t: TestApp;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    t = await startTestApp('sqlite', { clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps known sources cached while unknown slugs flood in', async () => {
    await createSource(t, { slug: 'known', name: 'Known', verifier: { type: 'none' } });
    expect((await deliver(t, 'known', { body: '{"n":1}' })).status).toBe(200);

    // Disabled behind the cache's back (no invalidation), with the clock standing still: the next answer shows
    // whether `known` was still served from the cache (accepted) or read from the store again (404).
    const record = (await t.app.store.sources.get(ORG, 'known'))!;
    expect(await t.app.store.sources.update({ ...record, enabled: false }, record.updatedAt)).toBe(true);
    expect((await deliver(t, 'known', { body: '{"n":2}' })).status).toBe(200);

    let next = 0;
    const statuses = new Set<number>();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < FLOOD) {
          const res = await fetch(`${t.url}/api/orgs/${ORG}/eventhook/in/nobody-${next++}`, {
            method: 'POST',
            body: '{}',
          });
          await res.arrayBuffer();
          statuses.add(res.status);
        }
      }),
    );
    expect([...statuses]).toEqual([404]);

    expect((await deliver(t, 'known', { body: '{"n":3}' })).status).toBe(200);
  }, 120_000);

  it('serves a source made after its slug was refused', async () => {
    expect((await deliver(t, 'later', { body: '{}' })).status).toBe(404);
    await createSource(t, { slug: 'later', name: 'Later', verifier: { type: 'none' } });
    expect((await deliver(t, 'later', { body: '{}' })).status).toBe(200);
  });
});
