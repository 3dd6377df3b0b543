// The full outbound path for bench/deliver.ts: a real Eventhook (SQLite store, router, action worker, signing,
// SSRF-guarded sender) with one endpoint and one webhook rule. A round commits N events and waits until every
// one of them was delivered and recorded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { newSystemEvent } from '../../src/events/publisher.js';

const TOKEN = 'eho_bench-token';
const BASE = '/api/orgs/default/eventhook';

export interface TrackedDelivery {
  /** Commits `n` events matching the rule; resolves when all `n` actions succeeded, with the wire latencies. */
  round(n: number, data: unknown): Promise<{ perSecond: number; latencies: number[] }>;
  /**
   * The delivery stage alone: `n` webhook actions wait behind a paused endpoint (events committed and routed
   * beforehand, outside the clock); the clock runs from re-enabling the endpoint until all `n` are delivered and
   * recorded — claim, build, sign, send, record the attempt and the action's state.
   */
  backlogRound(n: number, data: unknown): Promise<{ perSecond: number; latencies: number[] }>;
  close(): Promise<void>;
}

export async function startTrackedDelivery(
  receiverUrl: string,
  concurrency: number,
): Promise<TrackedDelivery> {
  const dir = mkdtempSync(join(tmpdir(), 'eventhook-bench-deliver-'));
  const config = loadConfig(
    {
      EVENTHOOK_DATA_DIR: dir,
      EVENTHOOK_ADMIN_TOKEN: TOKEN,
      EVENTHOOK_LOG_LEVEL: 'warn',
      EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1',
      // One endpoint may use half the worker's slots: this gives it `concurrency` deliveries in flight.
      EVENTHOOK_ACTION_CONCURRENCY: String(concurrency * 2),
      EVENTHOOK_ROUTER_BATCH: '500',
      // Events are committed straight into the store (no doorbell): the router finds them on its next sweep.
      EVENTHOOK_SWEEP_INTERVAL: '10ms',
    },
    { cwd: dir },
  );
  const app: App = await createApp(config, { logger: pino({ level: 'warn' }) });
  const call = async (method: 'POST' | 'PATCH', url: string, payload: unknown) => {
    const res = await app.server.inject({
      method,
      url,
      payload: payload as object,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  };
  await call('POST', `${BASE}/endpoints`, { slug: 'bench', url: receiverUrl });
  await call('POST', `${BASE}/rules`, {
    name: 'bench',
    pattern: { type: ['bench.delivery'] },
    targets: [{ type: 'webhook', endpoint: 'bench' }],
  });
  let delivered = 0;

  return {
    async round(n, data) {
      const started = performance.now();
      const now = Date.now();
      const events = Array.from({ length: n }, () =>
        newSystemEvent({
          org: 'default',
          source: 'app:bench',
          type: 'bench.delivery',
          data: data as never,
          now,
        }),
      );
      await app.store.transaction(async (tx) => {
        await tx.events.ingest(
          events.map((event) => ({ event })),
          now,
        );
      });
      const target = delivered + n;
      for (;;) {
        const counts = await app.store.actions.countByStatus('default', { endpoint: 'bench' });
        if (counts.succeeded >= target) break;
        if (counts.dead > 0) throw new Error('a delivery died');
        await new Promise((r) => setTimeout(r, 20));
      }
      const perSecond = n / ((performance.now() - started) / 1000);
      delivered = target;
      const samples = await app.store.attempts.recentForEndpoint('default', 'bench', now, n);
      return { perSecond, latencies: samples.map((s) => s.latencyMs) };
    },
    async backlogRound(n, data) {
      await call('PATCH', `${BASE}/endpoints/bench`, { status: 'paused' });
      const now = Date.now();
      const events = Array.from({ length: n }, () =>
        newSystemEvent({
          org: 'default',
          source: 'app:bench',
          type: 'bench.delivery',
          data: data as never,
          now,
        }),
      );
      await app.store.transaction((tx) =>
        tx.events.ingest(
          events.map((event) => ({ event })),
          now,
        ),
      );
      const target = delivered + n;
      // Wait until every new action is routed and parked behind the paused endpoint.
      for (;;) {
        const c = await app.store.actions.countByStatus('default', { endpoint: 'bench' });
        if (c.succeeded === delivered && c.pending === n && c.in_flight === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const started = performance.now();
      await call('POST', `${BASE}/endpoints/bench/enable`, {});
      for (;;) {
        const c = await app.store.actions.countByStatus('default', { endpoint: 'bench' });
        if (c.succeeded >= target) break;
        if (c.dead > 0) throw new Error('a delivery died');
        await new Promise((r) => setTimeout(r, 20));
      }
      const perSecond = n / ((performance.now() - started) / 1000);
      delivered = target;
      const samples = await app.store.attempts.recentForEndpoint('default', 'bench', now, n);
      return { perSecond, latencies: samples.map((s) => s.latencyMs) };
    },
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
