// A recurring task's failures while the store is out: the first logged, then one a minute with the count so far, the
// end logged once as info; a defect every time, as before.
import { describe, expect, it } from 'vitest';
import { EventhookError } from '../../src/core/errors.js';
import { RepeatedFailureLog } from '../../src/observability/repeated-failure-log.js';
import { requestOutageLog } from '../../src/api/problem.js';
import { storeTimeout, storeUnavailable } from '../../src/store/store-outage.js';
import { capturedLogger } from '../helpers/logs.js';

const FAILED = 'worker heartbeat failed';
const RECOVERED = 'worker heartbeats succeed again';

function setup() {
  let now = 1_000_000;
  const { logger, lines } = capturedLogger('info');
  const log = new RepeatedFailureLog(logger, FAILED, RECOVERED, () => now);
  return { log, lines, advance: (ms: number) => (now += ms) };
}

describe('RepeatedFailureLog', () => {
  it('logs an outage when it begins, once a minute while it lasts, and when it ends', () => {
    const { log, lines, advance } = setup();
    const down = storeUnavailable('PostgreSQL refused the connection', new Error('connect ECONNREFUSED'));
    // Two minutes and a half of failures every 2 s.
    for (let i = 0; i < 75; i++) {
      log.failed(down);
      advance(2_000);
    }
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, FAILED],
      [40, FAILED],
      [40, FAILED],
    ]);
    expect(lines[0]).toMatchObject({ driverError: 'connect ECONNREFUSED' });
    expect(lines[0]).not.toHaveProperty('failures');
    expect(lines[1]).toMatchObject({ failures: 31, forMs: 60_000 });
    expect(lines[2]).toMatchObject({ failures: 61, forMs: 120_000 });

    log.succeeded();
    log.succeeded();
    expect(lines.slice(3)).toEqual([
      expect.objectContaining({ level: 30, msg: RECOVERED, failures: 75, forMs: 150_000 }),
    ]);

    // A new outage starts afresh: its first failure is logged at once, without the old count.
    log.failed(storeTimeout('the SQLite database stayed locked', 'insert', new Error('database is locked')));
    expect(lines.slice(4)).toEqual([expect.objectContaining({ level: 40, msg: FAILED })]);
    expect(lines[4]).not.toHaveProperty('failures');
  });

  it('logs any other failure every time, as an error', () => {
    const { log, lines } = setup();
    for (let i = 0; i < 3; i++) log.failed(new EventhookError('EH_INTERNAL', {}));
    log.succeeded();
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, FAILED],
      [50, FAILED],
      [50, FAILED],
    ]);
  });

  it('names requests refused for a timeout or an unreachable store, with counts once a minute', () => {
    let now = 1_000_000;
    const { logger, lines } = capturedLogger('info');
    const log = requestOutageLog(logger, () => now);
    const timeout = storeTimeout(
      'the SQLite database stayed locked',
      'insert',
      new Error('database is locked'),
    );
    const down = storeUnavailable('PostgreSQL refused the connection', new Error('connect ECONNREFUSED'));
    for (let i = 0; i < 500; i++) {
      log.failed(i % 2 ? down : timeout, { method: 'POST', url: '/x' });
      now += 200;
    }
    log.succeeded();
    log.failed(down);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'a database query timed out'],
      [40, 'a database query timed out'],
      [30, 'requests succeed again'],
      [40, 'the database is unavailable'],
    ]);
    expect(lines[0]).toMatchObject({ method: 'POST', url: '/x', driverError: 'database is locked' });
    expect(lines[1]).toMatchObject({ failures: 301, forMs: 60_000, method: 'POST', url: '/x' });
    expect(lines[2]).toMatchObject({ failures: 500, forMs: 100_000 });
  });
});
