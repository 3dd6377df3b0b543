// Issue 6: kill -9 during deliveries. After restarts every message is delivered; a message delivered twice (its
// attempt was cut off before it was recorded) carries the same webhook-id, so a receiver deduping on it sees it once.
import { mkdtempSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient, eventually } from '../helpers/app.js';
import { startChildServer } from '../helpers/child-server.js';
import { BASE, createEndpoint, createRule, ingestSource, sleep, startReceiver } from '../helpers/outbound.js';

const TOKEN = 'eho_outbound-crash-token';

describe('outbound crash safety (SQLite, real process, SIGKILL)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'eventhook-outbound-crash-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('delivers every message after kill -9 and restart, never twice under different webhook-ids', async () => {
    // A slowish receiver, so that deliveries are in flight when the process dies; and the first HELD requests of
    // the first life it never answers, so that at the kill those messages certainly are accepted but not delivered
    // (the process has no answer to record) and must be recovered by a later life.
    const HELD = 2;
    const byEvent = new Map<string, Set<string>>();
    const answered = new Set<string>();
    const held: Array<{ id: string; res: ServerResponse }> = [];
    let firstLife = true;
    const receiver = await startReceiver((req, res) => {
      const id = (JSON.parse(req.body.toString()) as { id: string }).id;
      const ids = byEvent.get(id) ?? new Set<string>();
      ids.add(req.headers['webhook-id']!);
      byEvent.set(id, ids);
      if (firstLife && held.length < HELD) {
        held.push({ id, res });
        return;
      }
      setTimeout(() => {
        answered.add(id);
        res.writeHead(200).end('ok');
      }, 20);
    });
    const env = {
      EVENTHOOK_DATA_DIR: dataDir,
      EVENTHOOK_ADMIN_TOKEN: TOKEN,
      EVENTHOOK_SWEEP_INTERVAL: '200ms',
      // In-flight deliveries of a killed process are taken over once their lease ends.
      EVENTHOOK_LEASE: '2s',
      EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1',
      EVENTHOOK_ACTION_CONCURRENCY: '8',
    };
    try {
      const first = await startChildServer(env);
      const t1 = { url: first.url, api: new ApiClient(first.url, TOKEN) };
      const send = await ingestSource(t1);
      await createEndpoint(t1, { slug: 'sink', url: `${receiver.url}/sink` });
      await createRule(t1, 'sink', 'crash.test', [{ endpoint: 'sink' }]);
      const acked: string[] = [];
      const sending = (async () => {
        for (let i = 0; i < 300; i++) acked.push(await send({ type: 'crash.test', i }));
      })().catch(() => {});
      await eventually(async () => byEvent.size >= 40 && held.length === HELD, 20_000, 'deliveries to start');
      await first.kill9();
      firstLife = false;
      const answeredAtKill = new Set(answered);
      await sending;
      expect(acked.length).toBeGreaterThanOrEqual(40);
      // What makes this a recovery test: accepted messages the dead process had not delivered, among them the
      // held ones, whose attempts were under way.
      const heldIds = held.map((h) => h.id);
      for (const id of heldIds) expect(acked, `held ${id} was acknowledged`).toContain(id);
      expect(heldIds.filter((id) => answeredAtKill.has(id))).toEqual([]);
      expect(acked.filter((id) => !answeredAtKill.has(id)).length).toBeGreaterThanOrEqual(HELD);
      for (const h of held) h.res.destroy();

      // A second life killed mid-way too, then a third that finishes the work.
      const second = await startChildServer(env);
      await sleep(400);
      await second.kill9();
      const third = await startChildServer(env);
      try {
        const api = new ApiClient(third.url, TOKEN);
        await eventually(
          async () => {
            for (const id of acked) {
              const e = await api.get(`${BASE}/events/${id}`);
              if (e.body.actions?.[0]?.status !== 'succeeded') return false;
            }
            return true;
          },
          60_000,
          'every acknowledged event to be delivered',
        );
        expect((await api.get(`${BASE}/endpoints/sink`)).body.health.queue.depth).toBe(0);
        for (const id of acked) {
          const e = await api.get(`${BASE}/events/${id}`);
          expect(e.body.actions, id).toHaveLength(1);
          expect(e.body.actions[0].status, id).toBe('succeeded');
          expect(byEvent.get(id)?.size, `webhook-ids of ${id}`).toBe(1);
        }
        const webhookIds = [...byEvent.values()].map((s) => [...s][0]);
        expect(new Set(webhookIds).size).toBe(byEvent.size);
        // The held messages were sent again by a later life, under the webhook-id of the cut-off attempt.
        for (const { id } of held) {
          const arrivals = receiver.requests.filter((r) => JSON.parse(r.body.toString()).id === id);
          expect(arrivals.length, `arrivals of held ${id}`).toBeGreaterThanOrEqual(2);
          expect(answered.has(id)).toBe(true);
        }
      } finally {
        await third.stop();
      }
    } finally {
      await receiver.close();
    }
  }, 120_000);

  it('takes over a killed worker’s deliveries once its heartbeats stop, long before their 60 s leases run out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eventhook-orphaned-leases-'));
    // The first request of the first life is never answered: at the kill its attempt is under way, leased for the
    // default 60 s to a worker that no longer beats.
    let held: ServerResponse | undefined;
    const receiver = await startReceiver((_req, res) => {
      if (held === undefined) {
        held = res;
        return;
      }
      res.writeHead(200).end('ok');
    });
    const env = {
      EVENTHOOK_DATA_DIR: dir,
      EVENTHOOK_ADMIN_TOKEN: TOKEN,
      EVENTHOOK_SWEEP_INTERVAL: '200ms',
      EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1',
    };
    try {
      const first = await startChildServer(env);
      const t1 = { url: first.url, api: new ApiClient(first.url, TOKEN) };
      const send = await ingestSource(t1);
      await createEndpoint(t1, { slug: 'sink', url: `${receiver.url}/sink` });
      await createRule(t1, 'sink', 'orphan.test', [{ endpoint: 'sink' }]);
      const id = await send({ type: 'orphan.test' });
      await eventually(async () => held !== undefined, 20_000, 'the delivery to be under way');
      const firstWebhookId = receiver.requests[0]!.headers['webhook-id'];
      await first.kill9();
      held!.destroy();
      const killedAt = Date.now();

      const second = await startChildServer(env);
      try {
        const api = new ApiClient(second.url, TOKEN);
        // The lease would end at 60 s; the dead worker counts as gone after 10 s without a beat.
        await eventually(
          async () => (await api.get(`${BASE}/events/${id}`)).body.actions?.[0]?.status === 'succeeded',
          40_000,
          'the held delivery to be taken over',
        );
        const tookMs = Date.now() - killedAt;
        expect(tookMs).toBeLessThan(40_000);
        const action = (await api.get(`${BASE}/events/${id}`)).body.actions[0];
        expect(action.attemptCount).toBe(2);
        // The try the kill cut off is in the history, as interrupted (no outcome, no status), before the one that
        // delivered; it is no sample of the endpoint's health.
        const history = (await api.get(`${BASE}/actions/${action.id}`)).body.attempts;
        expect(history.map((a: { number: number; outcome: string }) => [a.number, a.outcome])).toEqual([
          [1, 'interrupted'],
          [2, 'succeeded'],
        ]);
        expect(history[0]).toMatchObject({ statusCode: null, responseBody: null });
        expect(history[0].error).toMatch(/worker stopped before the outcome was recorded/);
        expect((await api.get(`${BASE}/endpoints/sink`)).body.health).toMatchObject({
          attempts: 1,
          successRate: 1,
        });
        expect(receiver.requests).toHaveLength(2);
        expect(receiver.requests[1]!.headers['webhook-id']).toBe(firstWebhookId);
        expect(second.output()).toContain('took back the leases of workers that stopped beating');
        const metrics = await fetch(`${second.url}/metrics`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect(await metrics.text()).toMatch(/^eventhook_leases_taken_over_total 1$/m);
      } finally {
        await second.stop();
      }
    } finally {
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
