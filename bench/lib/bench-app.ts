// A real Eventhook for the delivery benchmarks: SQLite in a temporary folder, outbound to loopback allowed, the API
// called in-process, and events committed straight into the store (as many as wanted, outside the HTTP path).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { SUBJECTS } from '../../src/bus/port.js';
import { EventPublisher, newSystemEvent } from '../../src/events/publisher.js';
import type { ActionStatus } from '../../src/store/records.js';

const TOKEN = 'eho_bench-token';
/** The group committer's largest batch (app.ts). */
const ANNOUNCE_BATCH = 256;
export const BASE = '/api/orgs/default/eventhook';

export interface BenchApp {
  app: App;
  /** An authenticated API call; throws on any answer that is not 2xx. */
  call(method: 'POST' | 'PATCH', url: string, payload: unknown): Promise<{ eventId?: string }>;
  /**
   * Commits `n` events of `type` in one transaction. With `announce`, rings the router's doorbell for them as ingest
   * does; without, the router picks them up on its next sweep.
   */
  commitEvents(n: number, type: string, data: unknown, opts?: { announce?: boolean }): Promise<number>;
  /**
   * Resolves once `n` actions have settled an attempt (their change is announced on the bus after its commit).
   * Cheaper than polling counts, whose cost grows with every delivery recorded, while the clock runs.
   */
  settled(n: number): Promise<void>;
  /** Polls an endpoint's action counts until `done` holds; throws when a delivery died. */
  waitForActions(endpoint: string, done: (c: Record<ActionStatus, number>) => boolean): Promise<void>;
  close(): Promise<void>;
}

export async function startBenchApp(env: Record<string, string> = {}): Promise<BenchApp> {
  const dir = mkdtempSync(join(tmpdir(), 'eventhook-bench-'));
  const config = loadConfig(
    {
      EVENTHOOK_DATA_DIR: dir,
      EVENTHOOK_ADMIN_TOKEN: TOKEN,
      EVENTHOOK_LOG_LEVEL: 'warn',
      EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1',
      EVENTHOOK_ROUTER_BATCH: '500',
      ...env,
    },
    { cwd: dir },
  );
  const app = await createApp(config, { logger: pino({ level: 'warn' }) });
  return {
    app,
    async call(method, url, payload) {
      const res = await app.server.inject({
        method,
        url,
        payload: payload as object,
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      return res.json<{ eventId?: string }>();
    },
    async commitEvents(n, type, data, opts = {}) {
      const now = Date.now();
      const events = Array.from({ length: n }, () =>
        newSystemEvent({ org: 'default', source: 'app:bench', type, data: data as never, now }),
      );
      await app.store.transaction((tx) =>
        tx.events.ingest(
          events.map((event) => ({ event })),
          now,
        ),
      );
      // In the group committer's batches, a turn of the event loop apart, as ingest would announce them: one chain
      // of thousands of announcements would hold up every answer arriving meanwhile.
      const publisher = new EventPublisher(app.bus);
      for (let at = 0; opts.announce && at < events.length; at += ANNOUNCE_BATCH) {
        await publisher.announce(events.slice(at, at + ANNOUNCE_BATCH));
        await new Promise((resolve) => setImmediate(resolve));
      }
      return now;
    },
    settled(n) {
      let seen = 0;
      return new Promise((resolve) => {
        const sub = app.bus.subscribe(SUBJECTS.allActions, () => {
          if (++seen < n) return;
          sub.unsubscribe();
          resolve();
        });
      });
    },
    async waitForActions(endpoint, done) {
      for (;;) {
        const counts = await app.store.actions.countByStatus('default', { endpoint });
        if (done(counts)) return;
        if (counts.dead > 0) throw new Error('a delivery died');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
