// A live stream outlives the check of its key at connect, so it must end when that key stops being valid: at once
// when the key is revoked or its org deleted in the process serving the stream, and at the next heartbeat (15 s)
// when the key expired or was revoked by another process the announcement did not reach. Other streams go on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { readFrames } from '../helpers/sse.js';

const T0 = Date.UTC(2026, 11, 7, 9);
interface Drained {
  text: string;
  ended: boolean;
}
const HOUR = 3_600_000;

describe('live streams of a key no longer valid', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const t of apps.splice(0)) await t.close();
  });

  const open = (t: TestApp, org: string, key: string) =>
    fetch(`${t.url}/api/orgs/${org}/eventhook/stream`, { headers: { authorization: `Bearer ${key}` } });
  const makeKey = async (t: TestApp, org: string, name: string, expiresAt?: number) => {
    const r = await t.api.post(`/api/orgs/${org}/api-keys`, {
      name,
      role: 'member',
      ...(expiresAt ? { expiresAt: new Date(expiresAt).toISOString() } : {}),
    });
    expect(r.status, r.text).toBe(201);
    return r.body as { id: string; key: string };
  };
  /** Reads the stream to its end (or `ms`): its text and whether the server ended it for its key. */
  const drain = async (res: Response, ms: number): Promise<Drained> => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const timer = setTimeout(() => void reader.cancel(), ms);
    let ended = false;
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (text.includes('reconnecting is refused')) ended = true;
    }
    clearTimeout(timer);
    return { text, ended };
  };

  it('ends a stream at once when its key is revoked or its org deleted, and no other', async () => {
    const t = await startTestApp('sqlite');
    apps.push(t);
    expect((await t.api.post('/api/orgs', { slug: 'acme' })).status).toBe(201);
    const leaked = await makeKey(t, 'default', 'leaked');
    const kept = await makeKey(t, 'default', 'kept');
    const acme = await makeKey(t, 'acme', 'acme-reader');

    const leakedStream = await open(t, 'default', leaked.key);
    const keptStream = await open(t, 'default', kept.key);
    const acmeStream = await open(t, 'acme', acme.key);
    for (const r of [leakedStream, keptStream, acmeStream]) expect(r.status).toBe(200);
    const keptFrames = readFrames(keptStream, 'event', 1);
    const leakedRead = drain(leakedStream, 5_000);
    const acmeRead = drain(acmeStream, 5_000);
    await new Promise((r) => setTimeout(r, 50));

    const started = Date.now();
    expect((await t.api.delete(`/api/orgs/default/api-keys/${leaked.id}`)).status).toBe(204);
    expect((await t.api.delete('/api/orgs/acme')).status).toBe(202);
    const [leakedEnd, acmeEnd] = await Promise.all([leakedRead, acmeRead]);
    expect(leakedEnd.ended).toBe(true);
    expect(acmeEnd.ended).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);

    // The other key's stream goes on, and the revoked key cannot open one again.
    const sent = await t.api.post('/api/orgs/default/eventhook/events', { type: 'after.revoke', data: {} });
    expect((await keptFrames)[0]!.id).toBe(sent.body.eventId);
    expect(leakedEnd.text).not.toContain(sent.body.eventId);
    expect((await open(t, 'default', leaked.key)).status).toBe(401);
  });

  it(
    'ends at the next heartbeat a stream whose key expired, or was revoked by another process',
    { timeout: 60_000 },
    async () => {
      // Two processes of one deployment on one SQLite file, each with its own in-process bus: an announcement of one
      // never reaches the other.
      const dataDir = mkdtempSync(join(tmpdir(), 'eventhook-stream-keys-'));
      try {
        const clock = new ManualClock(T0);
        const serving = await startTestApp('sqlite', { dataDir, clock });
        apps.push(serving);
        const other = await startTestApp('sqlite', { dataDir, clock });
        apps.push(other);
        const expiring = await makeKey(serving, 'default', 'contractor', T0 + HOUR);
        const revokedElsewhere = await makeKey(serving, 'default', 'revoked-elsewhere');
        const lasting = await makeKey(serving, 'default', 'lasting');
        const streams = await Promise.all(
          [expiring, revokedElsewhere, lasting].map((k) => open(serving, 'default', k.key)),
        );
        for (const r of streams) expect(r.status).toBe(200);
        // Read for a little longer than one heartbeat (15 s).
        const reads = streams.map((r) => drain(r, 17_000));

        clock.set(T0 + HOUR);
        expect((await other.api.delete(`/api/orgs/default/api-keys/${revokedElsewhere.id}`)).status).toBe(
          204,
        );
        const [expired, revoked, kept] = (await Promise.all(reads)) as [Drained, Drained, Drained];
        expect(expired.ended).toBe(true);
        expect(revoked.ended).toBe(true);
        // Kept open through the heartbeats, until the test stopped reading.
        expect(kept.ended).toBe(false);
        expect(kept.text).toContain(': keep-alive');
      } finally {
        for (const t of apps.splice(0)) await t.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );
});
