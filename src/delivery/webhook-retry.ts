// Which retry policy a webhook action follows: the rule target's, else its endpoint's, else the default (Svix's
// schedule), decided field by field, and how many attempts that allows.
import { parseDelay } from '../routing/retry-delay.js';
import type { EndpointRecord } from '../store/records.js';
import type { RetryPolicy } from '../targets/target-schema.js';
import { DEFAULT_RETRY_SCHEDULE, type RetrySchedule } from './retry-policy.js';

function baseDelays(target: RetryPolicy | undefined, endpoint: EndpointRecord['retry']): readonly number[] {
  if (target?.schedule !== undefined) return target.schedule.map(parseDelay);
  return endpoint?.delaysMs ?? DEFAULT_RETRY_SCHEDULE.delaysMs;
}

/** Attempts in all: `maxAttempts` of the target, else of the endpoint, else one more than the schedule has waits. */
export function attemptBudget(target: RetryPolicy | undefined, endpoint: EndpointRecord['retry']): number {
  return target?.maxAttempts ?? endpoint?.maxAttempts ?? baseDelays(target, endpoint).length + 1;
}

/**
 * The waits between the attempts of an action allowed `maxAttempts` in all: the schedule cut to size, or with its
 * last wait repeated when the budget is larger (a manual retry raises the budget by one).
 */
export function deliverySchedule(
  target: RetryPolicy | undefined,
  endpoint: EndpointRecord['retry'],
  maxAttempts: number,
): RetrySchedule {
  const base = baseDelays(target, endpoint);
  const want = Math.max(0, maxAttempts - 1);
  if (base.length >= want) return { delaysMs: base.slice(0, want) };
  const last = base.at(-1) ?? 0;
  return { delaysMs: [...base, ...Array.from({ length: want - base.length }, () => last)] };
}
