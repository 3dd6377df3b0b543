// What a rule's filter says of one event, taken the same way by the router and the rule tester, so the tester's
// answer (match, no match, actions born dead with a reason) is the one routing would act on.
import type { Envelope } from '../core/envelope.js';
import { EventhookError } from '../core/errors.js';
import type { CompiledFilter } from '../transform/index.js';

/**
 * `passed`: the rule's actions are created. `rejected`: none are. `failed`: the filter threw, and the actions are
 * created anyway, born dead with `reason` — a broken filter fails its rule visibly instead of dropping the event.
 */
export type FilterVerdict =
  | { readonly kind: 'passed' }
  | { readonly kind: 'rejected' }
  | { readonly kind: 'failed'; readonly error: unknown; readonly message: string; readonly reason: string };

const PASSED: FilterVerdict = Object.freeze({ kind: 'passed' });
const REJECTED: FilterVerdict = Object.freeze({ kind: 'rejected' });

/**
 * How many times a filter is run on one event before its timeout counts. The CPU limit is wall time, so a moment
 * of load can stop a filter that fits it; the actions born dead of a failed filter are never retried (a retry would
 * skip the filter), so one slow moment would lose them. A filter that loops forever costs this many limits per event.
 */
export const FILTER_TRIES = 3;

export function filterVerdict(filter: CompiledFilter, envelope: Envelope): FilterVerdict {
  for (let tries = 1; ; tries++) {
    try {
      return filter.test(envelope) ? PASSED : REJECTED;
    } catch (err) {
      if (err instanceof EventhookError && err.code === 'EH_SCRIPT_TIMEOUT' && tries < FILTER_TRIES) continue;
      const message = err instanceof Error ? err.message : String(err);
      return { kind: 'failed', error: err, message, reason: `filter failed: ${message}` };
    }
  }
}
