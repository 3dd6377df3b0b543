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
      if (isTimeout(err) && tries < FILTER_TRIES) continue;
      const message = err instanceof Error ? err.message : String(err);
      return { kind: 'failed', error: err, message, reason: `filter failed: ${message}` };
    }
  }
}

/** Events in a row whose filter ran past its CPU limit on every try, after which the filter is skipped a while. */
export const FILTER_TRIP_EVENTS = 5;
/** How long a tripped filter is skipped; then one event tries it again (and one more timeout trips it again). */
export const FILTER_SKIP_MS = 60_000;

/** A breaker's verdict: `skipped` when the filter was not run, `trippedUntil` when this verdict tripped it. */
export type BreakerVerdict = FilterVerdict & { readonly skipped?: true; readonly trippedUntil?: number };

interface Streak {
  timedOut: number;
  skipUntil: number;
}

/**
 * The router's filter verdicts, with a breaker per compiled filter: routing is shared by every org in a process, so
 * a filter that loops forever (3 CPU limits an event) would slow every org's routing for as long as its events come.
 * Once it has timed out on FILTER_TRIP_EVENTS events in a row it is skipped for FILTER_SKIP_MS: its rule's actions
 * are born dead at once with the reason, as for any failed filter. Saving the rule compiles a new filter, which
 * starts afresh.
 */
export class FilterBreaker {
  private readonly streaks = new WeakMap<CompiledFilter, Streak>();

  verdict(filter: CompiledFilter, envelope: Envelope, now: number): BreakerVerdict {
    const streak = this.streaks.get(filter);
    if (streak !== undefined && now < streak.skipUntil) {
      const message =
        `filter skipped: it ran past its CPU limit on ${FILTER_TRIP_EVENTS} events in a row, so it is not run ` +
        `until ${new Date(streak.skipUntil).toISOString()}`;
      return { kind: 'failed', error: new Error(message), message, reason: message, skipped: true };
    }
    const verdict = filterVerdict(filter, envelope);
    if (verdict.kind !== 'failed' || !isTimeout(verdict.error)) {
      if (streak !== undefined) this.streaks.delete(filter);
      return verdict;
    }
    const next = streak ?? { timedOut: 0, skipUntil: 0 };
    this.streaks.set(filter, next);
    if (++next.timedOut < FILTER_TRIP_EVENTS) return verdict;
    // Tried again after the pause, one more timeout trips it again at once.
    next.timedOut = FILTER_TRIP_EVENTS - 1;
    next.skipUntil = now + FILTER_SKIP_MS;
    return { ...verdict, trippedUntil: next.skipUntil };
  }
}

const isTimeout = (err: unknown) => err instanceof EventhookError && err.code === 'EH_SCRIPT_TIMEOUT';
