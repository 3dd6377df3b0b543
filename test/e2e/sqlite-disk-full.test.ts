// The disk holding the SQLite database full (a tmpfs of its own, filled by a file): writes get 503
// EH_STORE_UNAVAILABLE with Retry-After — the ingest writer thread's and the API's own — rather than 500s, nothing
// acknowledged before is lost, and once room is made everything goes on. Nothing is mocked: SQLite meets ENOSPC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BASE } from '../helpers/ingest.js';
import { mountSmallDisk } from '../helpers/small-disk.js';

const disk = mountSmallDisk(24);
const FULL = 'The database is unavailable: the disk holding the SQLite database is full; try again shortly';
/** About 200 KiB an event: the disk fills in a few dozen. */
const PAYLOAD = 'x'.repeat(200 * 1024);

describe.skipIf(!disk)('SQLite on a full disk', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { dataDir: disk!.dir });
  });
  afterAll(async () => {
    await t?.close();
    disk?.unmount();
  });

  it('answers 503 EH_STORE_UNAVAILABLE while the disk is full, loses nothing it took, and goes on once room is made', async () => {
    const taken: string[] = [];
    disk!.fill();

    // Events go on into the log's slack; then the disk has no room for it to grow.
    let refused: Awaited<ReturnType<typeof t.api.post>> | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const res = await t.api.post(`${BASE}/events`, { type: 'load.sent', data: { i, payload: PAYLOAD } });
      if (res.status === 200) taken.push(res.body.eventId as string);
      else refused = res;
    }
    expect(refused, 'the disk never filled').toBeDefined();
    expect(refused!.status, refused!.text).toBe(503);
    expect(refused!.headers.get('retry-after')).toBe('5');
    expect(refused!.body).toMatchObject({ code: 'EH_STORE_UNAVAILABLE', detail: FULL });

    // The API's own writes (a transaction on the main connection) are refused alike, not a 500.
    let apiRefused: Awaited<ReturnType<typeof t.api.post>> | undefined;
    for (let i = 0; i < 200 && !apiRefused; i++) {
      const res = await t.api.post(`${BASE}/sources`, {
        slug: `s${i}`,
        verifier: { type: 'api_key', in: 'header', name: 'x-api-key' },
        secret: 'key-1',
        description: 'd'.repeat(2_000),
      });
      if (res.status !== 201) apiRefused = res;
    }
    expect(apiRefused, 'the API never met the full disk').toBeDefined();
    expect(apiRefused!.status, apiRefused!.text).toBe(503);
    expect(apiRefused!.body).toMatchObject({ code: 'EH_STORE_UNAVAILABLE', detail: FULL });

    // Every event acknowledged before is there, whole.
    for (const id of taken) {
      const res = await t.api.get(`${BASE}/events/${id}`);
      expect(res.status, id).toBe(200);
      expect((res.body.data as { payload: string }).payload).toHaveLength(PAYLOAD.length);
    }

    disk!.makeRoom();
    const again = await t.api.post(`${BASE}/events`, { type: 'load.sent', data: { i: 'after' } });
    expect(again.status, again.text).toBe(200);
    expect((await t.api.get(`${BASE}/events/${again.body.eventId}`)).status).toBe(200);
    const source = await t.api.post(`${BASE}/sources`, {
      slug: 'after',
      verifier: { type: 'api_key', in: 'header', name: 'x-api-key' },
      secret: 'key-1',
    });
    expect(source.status, source.text).toBe(201);
  }, 60_000);
});
