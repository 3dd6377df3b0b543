// Text holding NUL (U+0000), which no PostgreSQL text value can: refused by both stores, so they behave alike.
import { EventhookError } from '../core/errors.js';

/**
 * Throws EH_REQUEST_INVALID (400) when a statement's parameter is a string holding NUL: a name, a description, a
 * query parameter the caller gave. PostgreSQL would refuse it (invalid byte sequence, a 500 for what is the caller's
 * text); SQLite would store it, so a deployment moved from one to the other would answer differently. (Webhooks' text
 * is stored with NUL as U+FFFD before it gets here, and JSON keeps it escaped.)
 */
export function refuseNulText(params: readonly unknown[]): void {
  if (params.some((p) => typeof p === 'string' && p.includes('\0'))) {
    throw new EventhookError('EH_REQUEST_INVALID', {
      message: 'text must not contain the NUL character (U+0000), which PostgreSQL cannot store',
    });
  }
}
