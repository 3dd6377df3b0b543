// When a failed action is tried again: the target's own schedule if it has one, otherwise bounded exponential
// backoff (1 s, 2 s, 4 s … capped at 10 min) with ±10 % jitter. The exponent is clamped, so no attempt number can
// overflow the delay (a bug Flovyn's first implementation had).
import type { RetryPolicy } from '../targets/target-schema.js';

const BASE_MS = 1000;
const CAP_MS = 10 * 60_000;
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDelay(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text);
  if (!m) throw new RangeError(`not a delay: ${text}`);
  return Math.round(Number(m[1]) * UNITS[m[2]!]!);
}

/** Delay before the attempt after `attemptsSoFar` failed ones (1 = the first failure). */
export function retryDelayMs(
  policy: RetryPolicy | undefined,
  attemptsSoFar: number,
  random: () => number = Math.random,
): number {
  const schedule = policy?.schedule;
  const base = schedule
    ? parseDelay(schedule[Math.min(attemptsSoFar - 1, schedule.length - 1)]!)
    : Math.min(CAP_MS, BASE_MS * 2 ** Math.min(Math.max(attemptsSoFar - 1, 0), 20));
  return Math.round(base * (0.9 + 0.2 * random()));
}
