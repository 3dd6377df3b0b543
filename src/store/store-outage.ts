// The errors both store adapters raise when the database cannot answer for now: EH_STORE_TIMEOUT (PostgreSQL: a
// cancelled or stalled statement; SQLite: the write lock held elsewhere past the busy wait) and EH_STORE_UNAVAILABLE
// (PostgreSQL: no connection could be made, or the one in use was lost). Both are 503 with Retry-After, since trying
// again later is right, and both are the database's state, not a defect: logged as warnings, and a target they stop
// waits instead of using an attempt.
import { EventhookError, isEventhookError } from '../core/errors.js';

/** How long a caller is asked to wait before trying again: long enough for a busy database to catch its breath. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/** The start of the statement, kept for the log line: enough to tell which query ran long, never its parameters. */
const QUERY_CONTEXT_CHARS = 300;

const retryAfter = { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) };

/**
 * `reason` completes "The database did not finish a query in time: …" for the caller; `statement` (SQL, or what
 * was being written) reaches the log through the error's params, never the caller, as it is not in the template.
 */
export function storeTimeout(reason: string, statement: string, cause: unknown): EventhookError {
  return new EventhookError(
    'EH_STORE_TIMEOUT',
    { reason, query: statement.slice(0, QUERY_CONTEXT_CHARS) },
    { cause, headers: retryAfter },
  );
}

/**
 * `reason` completes "The database is unavailable: …" and is written here, never taken from the driver, whose
 * messages name hosts and ports; the driver's error is the cause, for the log. `statement` as for storeTimeout, when a
 * statement was under way.
 */
export function storeUnavailable(reason: string, cause: unknown, statement?: string): EventhookError {
  return new EventhookError(
    'EH_STORE_UNAVAILABLE',
    { reason, ...(statement !== undefined && { query: statement.slice(0, QUERY_CONTEXT_CHARS) }) },
    { cause, headers: retryAfter },
  );
}

/** The database could not answer for now (timed out or unreachable): try again later, nothing is wrong with the request. */
export function isStoreOutage(err: unknown): err is EventhookError {
  return isEventhookError(err, 'EH_STORE_TIMEOUT') || isEventhookError(err, 'EH_STORE_UNAVAILABLE');
}
