// A JavaScript filter that always runs out its CPU limit must cost the process that limit per call, not hold its
// event loop for dozens of calls in a row: a member's backtest, or one org's rule while routing, would otherwise
// leave every other request (of every org) unanswered meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, createSource, deliver, ORG } from '../helpers/ingest.js';

const CPU_MS = 100;
/** Fewer than the 50 calls the loop used to make between two turns, so a stall shows before any turn. */
const EVENTS = 40;
const SPIN = 'function filter(e) { while (true) {} }';
/**
 * An answer to /healthz needs a few turns of the event loop (timer, request, answer), and each turn may wait for one
 * filter call (its limit, plus rebuilding its runtime after the timeout: 130–400 ms on a busy machine); a run that
 * gives no turns holds the loop for all 40 calls (5–15 s).
 */
const WORST_ALLOWED_MS = 3_000;

/**
 * Runs `work` while asking /healthz every 20 ms; the longest wait between two answers, in ms. Measured from answer to
 * answer, not per request: the server runs in this process, so a stall may fall between two requests as well.
 */
async function worstHealthzWhile(t: TestApp, work: () => Promise<unknown>): Promise<number> {
  let done = false;
  let worst = 0;
  const probe = (async () => {
    let last = performance.now();
    while (!done) {
      await new Promise((r) => setTimeout(r, 20));
      await (await fetch(`${t.url}/healthz`)).arrayBuffer();
      worst = Math.max(worst, performance.now() - last - 20);
      last = performance.now();
    }
  })();
  try {
    await work();
  } finally {
    done = true;
    await probe;
  }
  return worst;
}

describe('filters that spin', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { EVENTHOOK_SANDBOX_CPU_MS: String(CPU_MS) } });
    await createSource(t, { slug: 'plain', name: 'Plain', verifier: { type: 'none' } });
    for (let i = 0; i < EVENTS; i++)
      expect((await deliver(t, 'plain', { body: JSON.stringify({ i }) })).status).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("a member's backtest leaves the server answering", async () => {
    const key = await t.api.post(`/api/orgs/${ORG}/api-keys`, { name: 'reader', role: 'member' });
    expect(key.status).toBe(201);
    const member = t.api.as(key.body.key);
    let result: any;
    const worst = await worstHealthzWhile(t, async () => {
      const res = await member.post(`${BASE}/rules/test`, {
        pattern: { source: ['webhook:plain'] },
        filter: SPIN,
        targets: [{ type: 'task', kind: 'x' }],
        since: new Date(Date.now() - 3_600_000).toISOString(),
      });
      expect(res.status).toBe(200);
      result = res.body;
    });
    expect(result.filterFailed).toBeGreaterThanOrEqual(EVENTS / 2);
    expect(worst).toBeLessThan(WORST_ALLOWED_MS);
  }, 60_000);

  it('routing past a rule whose filter spins leaves the server answering', async () => {
    const rule = await t.api.post(`${BASE}/rules`, {
      name: 'spinner',
      pattern: { source: ['webhook:late'] },
      filter: SPIN,
      targets: [{ type: 'task', kind: 'x' }],
    });
    expect(rule.status).toBe(201);
    await createSource(t, { slug: 'late', name: 'Late', verifier: { type: 'none' } });
    const ids: string[] = [];
    const worst = await worstHealthzWhile(t, async () => {
      // At once, so that they are committed together and routed as one batch.
      const answers = await Promise.all(
        Array.from({ length: EVENTS }, (_, i) => deliver(t, 'late', { body: JSON.stringify({ i }) })),
      );
      ids.push(...answers.map((a) => a.json.eventId as string));
      for (;;) {
        const events = await Promise.all(ids.map((id) => t.app.store.events.get(ORG, id as never)));
        if (events.every((e) => e?.status !== 'pending')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    expect(worst).toBeLessThan(WORST_ALLOWED_MS);
  }, 60_000);
});

describe('backtests at once', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { EVENTHOOK_SANDBOX_CPU_MS: String(CPU_MS) } });
    await createSource(t, { slug: 'plain', name: 'Plain', verifier: { type: 'none' } });
    for (let i = 0; i < EVENTS; i++)
      expect((await deliver(t, 'plain', { body: JSON.stringify({ i }) })).status).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('runs one backtest per org at a time, and refuses the next with Retry-After', async () => {
    const key = await t.api.post(`/api/orgs/${ORG}/api-keys`, { name: 'reader', role: 'member' });
    const member = t.api.as(key.body.key);
    const backtest = (filter?: string) =>
      member.post(`${BASE}/rules/test`, {
        pattern: { source: ['webhook:plain'] },
        ...(filter ? { filter } : {}),
        targets: [{ type: 'task', kind: 'x' }],
        since: new Date(Date.now() - 3_600_000).toISOString(),
      });
    const first = backtest(SPIN);
    await new Promise((r) => setTimeout(r, 300));
    const second = await backtest(SPIN);
    expect(second.status).toBe(429);
    expect(second.body.code).toBe('EH_BACKTEST_BUSY');
    expect(second.headers.get('retry-after')).toBe('10');
    // A test against one event is not a backtest: it is answered meanwhile.
    const sample = await member.post(`${BASE}/rules/test`, {
      pattern: { source: ['webhook:plain'] },
      targets: [{ type: 'task', kind: 'x' }],
      event: { source: 'webhook:plain' },
    });
    expect(sample.status).toBe(200);
    expect((await first).status).toBe(200);
    const after = await backtest();
    expect(after.status).toBe(200);
    expect(after.body.matched).toBe(EVENTS);
  }, 60_000);
});
