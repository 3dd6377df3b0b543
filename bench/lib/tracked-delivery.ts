// The full outbound path for bench/deliver.ts: a real Eventhook (SQLite store, router, action worker, signing,
// SSRF-guarded sender) with one endpoint and one webhook rule. A round commits N events and waits until every
// one of them was delivered and recorded.
import { performance } from 'node:perf_hooks';
import { BASE, startBenchApp } from './bench-app.js';

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
  const bench = await startBenchApp({
    // One endpoint may use half the worker's slots: this gives it `concurrency` deliveries in flight.
    EVENTHOOK_ACTION_CONCURRENCY: String(concurrency * 2),
    // The default sweep interval, as deployed: events are announced on the bus as ingest announces them, and enabling
    // the endpoint wakes the worker, so nothing waits for a sweep (a 10 ms sweep used to stand in for both, and its
    // polling ran inside the clock).
  });
  const { app, call } = bench;
  await call('POST', `${BASE}/endpoints`, { slug: 'bench', url: receiverUrl });
  await call('POST', `${BASE}/rules`, {
    name: 'bench',
    pattern: { type: ['bench.delivery'] },
    targets: [{ type: 'webhook', endpoint: 'bench' }],
  });
  let delivered = 0;

  /** Rate since `started` and the wire latencies recorded on the round's attempts. */
  const finish = async (n: number, started: number, since: number) => {
    const perSecond = n / ((performance.now() - started) / 1000);
    delivered += n;
    const samples = await app.store.attempts.recentForEndpoint('default', 'bench', since, n);
    return { perSecond, latencies: samples.map((s) => s.latencyMs) };
  };

  return {
    async round(n, data) {
      const started = performance.now();
      const settled = bench.settled(n);
      const since = await bench.commitEvents(n, 'bench.delivery', data, { announce: true });
      const target = delivered + n;
      await settled;
      const result = await finish(n, started, since);
      await bench.waitForActions('bench', (c) => c.succeeded >= target);
      return result;
    },
    async backlogRound(n, data) {
      await call('PATCH', `${BASE}/endpoints/bench`, { status: 'paused' });
      const since = await bench.commitEvents(n, 'bench.delivery', data, { announce: true });
      const target = delivered + n;
      // Wait until every new action is routed and parked behind the paused endpoint.
      await bench.waitForActions(
        'bench',
        (c) => c.succeeded === delivered && c.pending === n && c.in_flight === 0,
      );
      // …and none is due any more: the last routed ones may not have been parked yet.
      while ((await app.store.actions.nextDueAt()) !== null) await new Promise((r) => setTimeout(r, 20));
      const started = performance.now();
      const settled = bench.settled(n);
      await call('POST', `${BASE}/endpoints/bench/enable`, {});
      await settled;
      const result = await finish(n, started, since);
      // Every settled attempt must have been a success.
      await bench.waitForActions('bench', (c) => c.succeeded >= target);
      return result;
    },
    close: () => bench.close(),
  };
}
