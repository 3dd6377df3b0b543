// How a failure that is tried again later is logged. The store timing out (a lock held elsewhere past the busy
// wait, a statement too slow) is the database being busy for now, not a defect: a warning with the reason and the
// statement, where any other failure is an error with its stack.
import { isEventhookError } from '../core/errors.js';

/** The two levels used; a pino Logger is one. */
export interface FailureLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function logFailure(log: FailureLog, err: unknown, fields: object, msg: string): void {
  if (isEventhookError(err, 'EH_STORE_TIMEOUT')) {
    log.warn({ ...fields, error: err.message, query: err.params.query }, msg);
  } else {
    log.error({ ...fields, err }, msg);
  }
}
