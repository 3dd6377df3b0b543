// A rule whose JavaScript filter loops forever costs routing 3 CPU limits an event, and routing is shared by every
// org of the process. After 5 events in a row on which it timed out every try, the filter is skipped for a minute:
// its rule's actions are born dead at once with the reason (as for any failed filter, visible and retriable), one
// warning is logged, and saving the rule again starts it afresh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, createSource, deliver } from '../helpers/ingest.js';
import { capturedLogger, type CapturedLogger } from '../helpers/logs.js';
import { FILTER_TRIP_EVENTS } from '../../src/routing/filter-verdict.js';

const SPIN = 'function filter(e) { while (true) {} }';

describe('a filter that times out on every event', () => {
  let t: TestApp;
  let log: CapturedLogger;

  beforeAll(async () => {
    log = capturedLogger('warn');
    t = await startTestApp('sqlite', { env: { EVENTHOOK_SANDBOX_CPU_MS: '100' }, logger: log.logger });
    await createSource(t, { slug: 'loop', name: 'Loop', verifier: { type: 'none' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Sends one event and waits for its routing; the errors its actions were born with. */
  async function routed(i: number): Promise<(string | null)[]> {
    const sent = await deliver(t, 'loop', { body: JSON.stringify({ i }) });
    expect(sent.status).toBe(200);
    for (;;) {
      const event = await t.api.get(`${BASE}/events/${sent.json.eventId}`);
      if (event.body.status !== 'pending')
        return event.body.actions.map((a: { status: string; lastError: string | null }) =>
          a.status === 'dead' ? a.lastError : null,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('is skipped after 5 events, its actions born dead saying why, until the rule is saved again', async () => {
    const rule = await t.api.post(`${BASE}/rules`, {
      name: 'spinner',
      pattern: { source: ['webhook:loop'] },
      filter: SPIN,
      targets: [{ type: 'task', kind: 'x' }],
    });
    expect(rule.status).toBe(201);

    const errors: (string | null)[] = [];
    for (let i = 0; i < FILTER_TRIP_EVENTS + 3; i++) errors.push(...(await routed(i)));
    expect(errors.slice(0, FILTER_TRIP_EVENTS)).toEqual(
      Array(FILTER_TRIP_EVENTS).fill(
        expect.stringMatching(/^filter failed: The script exceeded its CPU time limit of 100 ms$/),
      ),
    );
    expect(errors.slice(FILTER_TRIP_EVENTS)).toEqual(
      Array(3).fill(
        expect.stringMatching(
          /^filter skipped: it ran past its CPU limit on 5 events in a row, so it is not run until \d{4}-\d\d-\d\dT/,
        ),
      ),
    );
    const trips = log.lines.filter((l) => l.msg.startsWith('rule filter ran past its CPU limit'));
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({ rule: rule.body.id, org: 'default' });
    // Each event that ran the filter logged its failure; the skipped ones did not, one line each would flood.
    expect(log.lines.filter((l) => l.msg === 'rule filter failed')).toHaveLength(FILTER_TRIP_EVENTS);

    // Fixed and saved: the new filter runs at once, and its events get live actions.
    const fixed = await t.api.patch(`${BASE}/rules/${rule.body.id}`, {
      filter: 'function filter(e) { return true; }',
    });
    expect(fixed.status).toBe(200);
    expect(await routed(100)).toEqual([null]);
  }, 120_000);
});
