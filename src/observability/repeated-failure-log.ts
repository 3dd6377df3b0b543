// The log of a task that runs again and again (a worker pass, a heartbeat, a sweep). While the store is out (a lock
// held for minutes, PostgreSQL failing over or gone) every run fails the same way, and a warning per run (several
// tasks, every sweep interval) would bury whatever else is logged. So an outage is logged when it starts, once a
// minute while it lasts (with how many runs failed), and when it ends (info: how long, how many runs). Any other
// failure is a defect and is logged every time, as logFailure does.
import { isStoreOutage } from '../store/store-outage.js';
import { logFailure, type FailureLog } from './log-failure.js';

/** Between two warnings of one outage. */
const REPEAT_EVERY_MS = 60_000;

export interface RecoveryLog extends FailureLog {
  info(obj: object, msg: string): void;
}

export class RepeatedFailureLog {
  /** When the outage under way began (its first failed run); undefined while runs succeed. */
  private since: number | undefined;
  private failures = 0;
  private lastWarned = 0;

  /**
   * `failedMsg` is the warning (as logFailure would write it; or made from the failure), `recoveredMsg` the line when
   * runs succeed again.
   */
  constructor(
    private readonly log: RecoveryLog,
    private readonly failedMsg: string | ((err: unknown) => string),
    private readonly recoveredMsg: string,
    private readonly now: () => number = Date.now,
  ) {}

  failed(err: unknown, fields: object = {}): void {
    const msg = typeof this.failedMsg === 'string' ? this.failedMsg : this.failedMsg(err);
    if (!isStoreOutage(err)) return logFailure(this.log, err, fields, msg);
    const now = this.now();
    this.failures++;
    if (this.since === undefined) this.since = now;
    else if (now - this.lastWarned < REPEAT_EVERY_MS) return;
    this.lastWarned = now;
    const outage = this.failures > 1 ? { failures: this.failures, forMs: now - this.since } : {};
    logFailure(this.log, err, { ...fields, ...outage }, msg);
  }

  succeeded(): void {
    if (this.since === undefined) return;
    this.log.info({ failures: this.failures, forMs: this.now() - this.since }, this.recoveredMsg);
    this.since = undefined;
    this.failures = 0;
  }
}
