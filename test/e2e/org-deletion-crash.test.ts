// A deleted org's purge survives a crash: the server is killed with SIGKILL while it purges a large org, and after
// the restart the org is still deleted (404, its key refused) and the purge goes on until nothing of it is left,
// another org's data untouched.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventId } from '../../src/core/ids.js';
import { openSqliteStore } from '../../src/store/adapters/sqlite/index.js';
import { ApiClient, eventually } from '../helpers/app.js';
import { startChildServer } from '../helpers/child-server.js';
import { newAction, pendingEvent } from '../helpers/records.js';

const TOKEN = 'eho_org-deletion-crash-token';
const EVENTS = 20_000;

describe('deleting an org across kill -9 (SQLite, real process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'eventhook-org-crash-'));
  const env = {
    EVENTHOOK_DATA_DIR: dataDir,
    EVENTHOOK_ADMIN_TOKEN: TOKEN,
    EVENTHOOK_SWEEP_INTERVAL: '100ms',
  };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('resumes the purge after a restart', { timeout: 180_000 }, async () => {
    // A large org written straight into the database, as a long-lived tenant's history would be.
    const store = await openSqliteStore({ path: join(dataDir, 'eventhook.db') });
    const now = Date.now();
    for (const org of ['acme', 'globex']) {
      await store.orgs.create({ slug: org, name: org }, now);
      const n = org === 'acme' ? EVENTS : 100;
      await store.transaction(async (tx) => {
        for (let i = 0; i < n; i++) {
          const event = pendingEvent(org, now, { status: 'routed' });
          await tx.events.insert(event);
          await tx.actions.insertMany(
            [newAction(org, { type: 'task', kind: 'k' }, { eventId: event.id as EventId })],
            now,
          );
        }
      });
    }
    await store.close();
    const db = new Database(join(dataDir, 'eventhook.db'), { readonly: true });
    const count = (table: 'events' | 'actions', org: string) =>
      (db.prepare(`select count(*) as n from ${table} where org = ?`).get(org) as { n: number }).n;
    const rows = (org: string) => count('events', org) + count('actions', org);
    expect(rows('acme')).toBe(2 * EVENTS);

    const first = await startChildServer(env);
    const api = new ApiClient(first.url, TOKEN);
    const key = (await api.post('/api/orgs/acme/api-keys', { name: 'ops', role: 'admin' })).body.key;
    expect((await api.delete('/api/orgs/acme')).status).toBe(202);
    // Killed as soon as the purge is seen under way.
    const deadline = Date.now() + 30_000;
    while (rows('acme') === 2 * EVENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    await first.kill9();
    const left = rows('acme');
    expect(left).toBeGreaterThan(0);

    const second = await startChildServer(env);
    try {
      const after = new ApiClient(second.url, TOKEN);
      expect((await after.get('/api/orgs/acme')).status).toBe(404);
      expect((await after.as(key).get('/api/orgs/acme/me')).status).toBe(401);
      await eventually(async () => rows('acme') === 0, 60_000, 'the purge to end');
      const all = (await after.get('/api/orgs?includeDeleted=true')).body.items as { slug: string }[];
      expect(all.map((o) => o.slug)).toContain('acme');
      // Globex keeps its events (and the task events its actions made meanwhile) and every action.
      expect(count('actions', 'globex')).toBe(100);
      expect(count('events', 'globex')).toBeGreaterThanOrEqual(100);
      // The log line may reach the pipe a moment after the rows are gone.
      await eventually(
        async () => /purged rows of a deleted org/.test(second.output()),
        10_000,
        'the purge logged',
      );
    } finally {
      db.close();
      await second.stop();
    }
  });
});
