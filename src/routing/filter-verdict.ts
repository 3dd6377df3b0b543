// What a rule's filter says of one event, taken the same way by the router and the rule tester, so the tester's
// answer (match, no match, actions born dead with a reason) is the one routing would act on.
import type { Envelope } from '../core/envelope.js';
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

export function filterVerdict(filter: CompiledFilter, envelope: Envelope): FilterVerdict {
  try {
    return filter.test(envelope) ? PASSED : REJECTED;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { kind: 'failed', error: err, message, reason: `filter failed: ${message}` };
  }
}
