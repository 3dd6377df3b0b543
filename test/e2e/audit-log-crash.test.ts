// The audit log is written in the transaction of the change it records: killed with SIGKILL while changes are being
// saved, the server restarts with every change it acknowledged in the log, and for each endpoint the version it holds
// is exactly the last one logged — no change saved without its entry, no entry for a change that was not saved.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../helpers/app.js';
import { startChildServer } from '../helpers/child-server.js';

const TOKEN = 'eho_audit-crash-token';
const BASE = '/api/orgs/default/eventhook';
const ENDPOINTS = 6;

interface Entry {
  resourceId: string;
  action: string;
  updatedAt: string | null;
}

describe('audit log across kill -9 (SQLite, real process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'eventhook-audit-crash-'));
  const env = { EVENTHOOK_DATA_DIR: dataDir, EVENTHOOK_ADMIN_TOKEN: TOKEN };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps each change and its entry together', { timeout: 120_000 }, async () => {
    const first = await startChildServer(env);
    const api = new ApiClient(first.url, TOKEN);
    const ids: string[] = [];
    for (let i = 0; i < ENDPOINTS; i++) {
      const r = await api.post(`${BASE}/endpoints`, { slug: `ep-${i}`, url: 'https://example.com/hooks' });
      expect(r.status, r.text).toBe(201);
      ids.push(r.body.id);
    }
    // Each endpoint changed over and over, all at once, until the process dies under them.
    const acknowledged = new Map<string, string[]>(ids.map((id) => [id, []]));
    let dead = false;
    const change = async (i: number) => {
      for (let n = 1; !dead; n++) {
        try {
          const r = await api.patch(`${BASE}/endpoints/ep-${i}`, { timeoutMs: 1000 + n });
          if (r.status === 200) acknowledged.get(ids[i]!)!.push(r.body.updatedAt);
        } catch {
          return; // the connection died with the process
        }
      }
    };
    const writers = Array.from({ length: ENDPOINTS }, (_, i) => change(i));
    await new Promise((r) => setTimeout(r, 1500));
    await first.kill9();
    dead = true;
    await Promise.all(writers);

    const second = await startChildServer(env);
    try {
      const after = new ApiClient(second.url, TOKEN);
      const entries: Entry[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: Entry[]; nextCursor: string | null } } = await after.get(
          `${BASE}/audit-log?resource=endpoint&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        );
        entries.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor);
      let changes = 0;
      for (let i = 0; i < ENDPOINTS; i++) {
        const id = ids[i]!;
        const logged = entries
          .filter((e) => e.resourceId === id && e.action === 'updated')
          .map((e) => e.updatedAt!)
          .reverse();
        changes += logged.length;
        // Every change the server answered 200 to is in the log, in order.
        expect(logged.slice(0, acknowledged.get(id)!.length)).toEqual(acknowledged.get(id));
        // The version the endpoint holds is the last one logged: neither half of a change survived alone.
        const current = (await after.get(`${BASE}/endpoints/ep-${i}`)).body.updatedAt;
        expect(logged.at(-1)).toBe(current);
      }
      // The process was killed in the middle of real work.
      expect(changes).toBeGreaterThan(ENDPOINTS * 5);
    } finally {
      await second.stop();
    }
  });
});
