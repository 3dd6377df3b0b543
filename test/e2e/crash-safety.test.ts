// Issue 2: an acknowledged webhook survives kill -9 of the server, and after a restart on the same database every
// acknowledged event is routed exactly once (one action, one workflow each).
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient, eventually } from '../helpers/app.js';
import { startChildServer } from '../helpers/child-server.js';

const TOKEN = 'eho_crash-test-token';
const SECRET = 'crash-secret';
const BASE = '/api/orgs/default/eventhook';

describe('crash safety (SQLite, real process, SIGKILL)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'eventhook-crash-'));
  // A short lease: an action claimed by the killed process is taken over within seconds, not the default minute.
  const env = {
    EVENTHOOK_DATA_DIR: dataDir,
    EVENTHOOK_ADMIN_TOKEN: TOKEN,
    EVENTHOOK_SWEEP_INTERVAL: '200ms',
    EVENTHOOK_LEASE: '2s',
  };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('routes every acknowledged event exactly once after kill -9 and restart', async () => {
    // First life: API only, so every acknowledged event is still unrouted when the process dies.
    const first = await startChildServer({ ...env, EVENTHOOK_ROLE: 'api' });
    const api = new ApiClient(first.url, TOKEN);
    expect(
      (
        await api.post(`${BASE}/sources`, {
          slug: 'app',
          verifier: { type: 'hmac', header: 'x-sig', algorithm: 'sha256', encoding: 'hex', secret: SECRET },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await api.post(`${BASE}/rules`, {
          name: 'all',
          pattern: { source: ['webhook:app'] },
          targets: [{ type: 'workflow', kind: 'crash-test' }],
        })
      ).status,
    ).toBe(201);

    const acked = new Set<string>();
    const send = async (i: number) => {
      const body = JSON.stringify({ type: 'order.created', n: i });
      const res = await fetch(`${first.url}${BASE}/in/app`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-sig': createHmac('sha256', SECRET).update(body).digest('hex'),
        },
        body,
      });
      if (res.status === 200) acked.add(((await res.json()) as { eventId: string }).eventId);
    };
    await Promise.all(Array.from({ length: 150 }, (_, i) => send(i)));
    // Keep sending while the process is killed: whatever got a 200 must survive.
    const inFlight = Promise.allSettled(Array.from({ length: 50 }, (_, i) => send(1000 + i)));
    await first.kill9();
    await inFlight;
    expect(acked.size).toBeGreaterThanOrEqual(150);

    // Second life: full process on the same database. It also gets killed mid-routing once, then restarted.
    const second = await startChildServer(env);
    await new Promise((r) => setTimeout(r, 150));
    await second.kill9();
    const third = await startChildServer(env);
    try {
      const api3 = new ApiClient(third.url, TOKEN);
      await eventually(
        async () => {
          for (const id of acked) {
            const e = await api3.get(`${BASE}/events/${id}`);
            if (e.status !== 200 || e.body.status !== 'routed' || e.body.actions[0]?.status !== 'succeeded')
              return false;
          }
          return true;
        },
        30_000,
        'every acknowledged event to be routed',
      );
      for (const id of acked) {
        const e = await api3.get(`${BASE}/events/${id}`);
        expect(e.body.actions, id).toHaveLength(1);
      }
      const workflows: { input: { id: string } }[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: { input: { id: string } }[]; nextCursor: string | null } } =
          await api3.get(
            `${BASE}/engine/workflows?kind=crash-test&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
          );
        workflows.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor);
      const perEvent = new Map<string, number>();
      for (const w of workflows) perEvent.set(w.input.id, (perEvent.get(w.input.id) ?? 0) + 1);
      for (const id of acked) expect(perEvent.get(id), id).toBe(1);
      expect([...perEvent.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await third.stop();
    }
  }, 120_000);
});
