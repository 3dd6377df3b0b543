// A filter's timeout is a moment of load as often as a runaway script: it is run again before it counts, while a
// filter that throws fails at once.
import { beforeAll, describe, expect, it } from 'vitest';
import { FILTER_TRIES, filterVerdict } from '../../src/routing/filter-verdict.js';
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
