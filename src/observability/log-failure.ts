// How a failure that is tried again later is logged. The store timing out (a lock held elsewhere past the busy
// wait, a statement too slow) or out of reach (no connection, a connection lost) is the database's state for now,
// not a defect: a warning with the reason, the statement and the driver's error, where any other failure is an error
// with its stack.
import { isStoreOutage } from '../store/store-outage.js';

/** The two levels used; a pino Logger is one. */
export interface FailureLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function logFailure(log: FailureLog, err: unknown, fields: object, msg: string): void {
  if (isStoreOutage(err)) {
    const driverError = err.cause instanceof Error ? err.cause.message : undefined;
    log.warn({ ...fields, error: err.message, query: err.params.query, driverError }, msg);
  } else {
    log.error({ ...fields, err }, msg);
  }
}
