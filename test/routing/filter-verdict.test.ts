// A filter's timeout is a moment of load as often as a runaway script: it is run again before it counts, while a
// filter that throws fails at once.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FILTER_SKIP_MS,
  FILTER_TRIES,
  FILTER_TRIP_EVENTS,
  FilterBreaker,
  filterVerdict,
} from '../../src/routing/filter-verdict.js';
import { compileFilter, initSandbox } from '../../src/transform/index.js';
import { envelope } from '../transform/fixtures.js';

const LIMITS = { cpuMs: 100, memoryBytes: 32 * 1024 * 1024 };

describe('filterVerdict', () => {
  beforeAll(async () => {
    await initSandbox();
  });

  it('passes a filter whose first run timed out and whose next fits the limit', () => {
    // Busy until a moment 1.5 limits away: the first run is stopped at the limit, the second ends half a limit later.
    const filter = compileFilter(
      'function filter(e) { while (Date.now() < e.data.until) {} return true; }',
      '/filter',
      LIMITS,
    );
    const verdict = filterVerdict(filter, envelope({ until: Date.now() + 150 }));
    filter.dispose();
    expect(verdict).toEqual({ kind: 'passed' });
  });

  it(`fails a filter that times out ${FILTER_TRIES} times, with the timeout as its reason`, () => {
    const filter = compileFilter('function filter(e) { while (true) {} }', '/filter', LIMITS);
    const t0 = performance.now();
    const verdict = filterVerdict(filter, envelope());
    filter.dispose();
    expect(verdict).toMatchObject({
      kind: 'failed',
      reason: expect.stringMatching(/CPU time limit of 100 ms/),
    });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(FILTER_TRIES * 100 - 5);
  });

  it('fails a filter that throws at its first run', () => {
    let runs = 0;
    const filter = compileFilter('function filter(e) { throw new Error("no"); }', '/filter', LIMITS);
    const counted = { ...filter, test: (e: Parameters<typeof filter.test>[0]) => (runs++, filter.test(e)) };
    const verdict = filterVerdict(counted, envelope());
    filter.dispose();
    expect(verdict).toMatchObject({
      kind: 'failed',
      reason: 'filter failed: The script threw: Error: no (line 1, column 37)',
    });
    expect(runs).toBe(1);
  });
});

describe('FilterBreaker', () => {
  const LOOP = { cpuMs: 20, memoryBytes: 32 * 1024 * 1024 };
  beforeAll(async () => {
    await initSandbox();
  });

  it('skips a filter that timed out on 5 events in a row for a while, then tries one event and trips again', () => {
    let runs = 0;
    const filter = compileFilter('function filter(e) { while (true) {} }', '/filter', LOOP);
    const counted = { ...filter, test: (e: Parameters<typeof filter.test>[0]) => (runs++, filter.test(e)) };
    const breaker = new FilterBreaker();
    const at = (now: number) => breaker.verdict(counted, envelope(), now);
    const verdicts = Array.from({ length: FILTER_TRIP_EVENTS }, (_, i) => at(1_000 + i));
    expect(verdicts.map((v) => [v.kind, v.skipped, v.trippedUntil])).toEqual([
      ...Array(FILTER_TRIP_EVENTS - 1).fill(['failed', undefined, undefined]),
      ['failed', undefined, 1_004 + FILTER_SKIP_MS],
    ]);
    expect(runs).toBe(FILTER_TRIP_EVENTS * FILTER_TRIES);
    expect(at(1_004 + FILTER_SKIP_MS - 1)).toMatchObject({ kind: 'failed', skipped: true });
    expect(runs).toBe(FILTER_TRIP_EVENTS * FILTER_TRIES);
    // The pause over, one event runs it; timing out again, it is skipped again at once.
    expect(at(1_004 + FILTER_SKIP_MS)).toMatchObject({ trippedUntil: 1_004 + 2 * FILTER_SKIP_MS });
    expect(runs).toBe((FILTER_TRIP_EVENTS + 1) * FILTER_TRIES);
    filter.dispose();
  });

  it('counts only timeouts in a row: an event the filter decides ends the streak', () => {
    const filter = compileFilter(
      'function filter(e) { while (e.data.spin) {} return false; }',
      '/filter',
      LOOP,
    );
    const breaker = new FilterBreaker();
    const spin = () => breaker.verdict(filter, envelope({ spin: true }), 0);
    for (let i = 0; i < FILTER_TRIP_EVENTS - 1; i++) expect(spin().kind).toBe('failed');
    expect(breaker.verdict(filter, envelope({ spin: false }), 0)).toEqual({ kind: 'rejected' });
    for (let i = 0; i < FILTER_TRIP_EVENTS - 1; i++) expect(spin().trippedUntil).toBeUndefined();
    expect(spin().trippedUntil).toBe(FILTER_SKIP_MS);
    filter.dispose();
  });
});
