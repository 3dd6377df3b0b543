// The router matches a large batch of events in turns of the event loop. Matching is CPU work awaited as a chain of
// microtasks; in one piece it held every answer that arrived meanwhile (a delivery's response, an API call) until the
// whole batch was matched and committed, which showed as tens of milliseconds of extra wire latency on deliveries
// under bursts (docs/benchmarks.md, deliver). A callback queued as routing starts must run before the batch commits.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventPublisher, newSystemEvent } from '../../src/events/publisher.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const BASE = '/api/orgs/default/eventhook';
const BATCH = 200;

describe('routing a large batch', () => {
  let t: TestApp;

  beforeAll(async () => {
    // No sweep while the test runs: routing starts when the test rings the doorbell.
    t = await startTestApp('sqlite', {
      env: { EVENTHOOK_SWEEP_INTERVAL: '10m', EVENTHOOK_ROUTER_BATCH: String(BATCH) },
    });
    const rule = await t.api.post(`${BASE}/rules`, {
      name: 'bulk',
      pattern: { type: ['bulk.test'] },
      targets: [{ type: 'workflow', kind: 'bulk-handler' }],
    });
    expect(rule.status, rule.text).toBe(201);
  });
  afterAll(() => t?.close());

  it('lets the event loop turn between events, before the batch is committed', async () => {
    const now = Date.now();
    const events = Array.from({ length: BATCH }, (_, n) =>
      newSystemEvent({ org: 'default', source: 'app:bulk', type: 'bulk.test', data: { n }, now }),
    );
    await t.app.store.transaction((tx) =>
      tx.events.ingest(
        events.map((event) => ({ event })),
        now,
      ),
    );
    // Another connection reads synchronously, so what it sees is what was committed when the callback ran.
    const reader = new Database(join(t.dataDir, 'eventhook.db'), { readonly: true });
    const pending = () =>
      (reader.prepare(`select count(*) as n from events where status = 'pending'`).get() as { n: number }).n;
    try {
      expect(pending()).toBe(BATCH);
      let seenPending: number | undefined;
      await new EventPublisher(t.app.bus).announce(events.slice(0, 1));
      setImmediate(() => (seenPending = pending()));
      await expect.poll(pending, { timeout: 10_000 }).toBe(0);
      // The callback ran while the batch was still being matched: none of it committed yet.
      expect(seenPending).toBe(BATCH);
      const routed = await t.api.get(`${BASE}/events?type=bulk.test&status=routed&limit=200`);
      expect(routed.body.items).toHaveLength(BATCH);
    } finally {
      reader.close();
    }
  });
});
