// The error both store adapters raise when the database does not finish a statement in time (PostgreSQL: a cancelled
// or stalled statement; SQLite: the write lock held elsewhere past the busy wait): EH_STORE_TIMEOUT, 503 with
// Retry-After, since trying again later is right and nothing was committed.
import { EventhookError } from '../core/errors.js';

/** How long a caller is asked to wait before trying again: long enough for a busy database to catch its breath. */
export const STORE_TIMEOUT_RETRY_AFTER_SECONDS = 5;

/** The start of the statement, kept for the log line: enough to tell which query ran long, never its parameters. */
const QUERY_CONTEXT_CHARS = 300;

/**
 * `reason` completes "The database did not finish a query in time: …" for the caller; `statement` (SQL, or what
 * was being written) reaches the log through the error's params, never the caller, as it is not in the template.
 */
export function storeTimeout(reason: string, statement: string, cause: unknown): EventhookError {
  return new EventhookError(
    'EH_STORE_TIMEOUT',
    { reason, query: statement.slice(0, QUERY_CONTEXT_CHARS) },
    { cause, headers: { 'retry-after': String(STORE_TIMEOUT_RETRY_AFTER_SECONDS) } },
  );
}
