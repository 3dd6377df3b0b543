// The retry policy: what an attempt's result means (success, retry, gone, abort) and when, if ever, to try again.
import { invalid, systemClock, type Clock } from '../core/index.js';
import type { SendResult } from './send-result.js';

/**
 * Waits before each retry, in order: `delaysMs[0]` separates attempt 1 from attempt 2, and so on. The first
 * attempt always goes out immediately, so a schedule of n delays allows n + 1 attempts in all.
 */
export interface RetrySchedule {
  delaysMs: readonly number[];
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Svix's schedule: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — 8 attempts over about 27.6 h. */
export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = Object.freeze({
  delaysMs: Object.freeze([5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]),
});
/** ±10 %: spreads retries of a burst that failed together so they do not return together. */
export const DEFAULT_JITTER = 0.1;
/** A receiver may ask for a pause with Retry-After, but never park an action longer than this. */
export const DEFAULT_RETRY_AFTER_CAP_MS = HOUR;
const MAX_SCHEDULE_LENGTH = 50;
const MAX_DELAY_MS = 7 * 24 * HOUR;

/** A retry schedule from user input, or EH_REQUEST_INVALID naming the offending entry under `path`. */
export function parseRetrySchedule(input: unknown, path = '/retry'): RetrySchedule {
  const delays = (input as { delaysMs?: unknown } | null)?.delaysMs;
  if (!Array.isArray(delays))
    throw invalid([{ path: `${path}/delaysMs`, message: 'must be an array of milliseconds' }]);
  if (delays.length > MAX_SCHEDULE_LENGTH) {
    throw invalid([{ path: `${path}/delaysMs`, message: `at most ${MAX_SCHEDULE_LENGTH} retries` }]);
  }
  const issues = delays.flatMap((d: unknown, i) =>
    typeof d === 'number' && Number.isInteger(d) && d >= 0 && d <= MAX_DELAY_MS
      ? []
      : [{ path: `${path}/delaysMs/${i}`, message: `must be an integer from 0 to ${MAX_DELAY_MS} ms` }],
  );
  if (issues.length > 0) throw invalid(issues);
  return { delaysMs: [...(delays as number[])] };
}

/**
 * What one attempt means for the action and its endpoint.
 * - `success`: 2xx.
 * - `retry`: anything else worth another try (3xx, 4xx, 5xx, timeout, DNS, connection, TLS, refused address).
 * - `gone`: 410 — the receiver says the endpoint no longer exists; the endpoint is disabled, the action is dead.
 * - `abort`: the receiver answered `webhook-delivery: abort-message`, or the request can never work; dead now.
 */
export type DeliveryOutcome =
  | { kind: 'success' }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'gone'; reason: string }
  | { kind: 'abort'; reason: string };

/** An outcome as an attempt records it (and as a test message reports it). */
export const OUTCOME_LABELS = {
  success: 'succeeded',
  retry: 'failed',
  gone: 'gone',
  abort: 'aborted',
} as const satisfies Record<DeliveryOutcome['kind'], string>;

export function classifyResponse(result: SendResult, clock: Clock = systemClock): DeliveryOutcome {
  if (result.error !== undefined) {
    if (result.error.kind === 'invalid_request') return { kind: 'abort', reason: result.error.message };
    return { kind: 'retry', reason: `${result.error.kind}: ${result.error.message}` };
  }
  const status = result.status ?? 0;
  if (status >= 200 && status < 300) return { kind: 'success' };
  if (status === 410) return { kind: 'gone', reason: 'the endpoint answered 410 Gone' };
  if (result.headers['webhook-delivery']?.trim().toLowerCase() === 'abort-message') {
    return { kind: 'abort', reason: `the endpoint answered ${status} with webhook-delivery: abort-message` };
  }
  const retryAfterMs = parseRetryAfter(result.headers['retry-after'], clock.now());
  return {
    kind: 'retry',
    reason: `the endpoint answered ${status}`,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}

/** Retry-After as delta-seconds or an HTTP-date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * SECOND;
  // Only accept something that looks like an HTTP-date; Date.parse is lenient with arbitrary text.
  if (!/^[A-Za-z]{3},? /.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface DelayOptions {
  /** Uniform in [0, 1); injectable so tests pin the jitter. */
  random?: () => number;
  /** Fraction of spread either way; default 0.1. */
  jitter?: number;
  retryAfterCapMs?: number;
}

/**
 * Milliseconds to wait before the next attempt after attempt number `attemptNumber` (1-based) ended with
 * `outcome`; null when there is none (the outcome is final, or the schedule is used up and the action is dead).
 * A Retry-After longer than the scheduled wait wins, up to the cap; it is a request, so it gets no jitter.
 */
export function nextAttemptDelay(
  schedule: RetrySchedule,
  attemptNumber: number,
  outcome: DeliveryOutcome,
  opts: DelayOptions = {},
): number | null {
  if (outcome.kind !== 'retry') return null;
  const base = schedule.delaysMs[attemptNumber - 1];
  if (base === undefined || attemptNumber < 1) return null;
  const random = opts.random ?? Math.random;
  const jitter = opts.jitter ?? DEFAULT_JITTER;
  const delay = Math.max(0, Math.round(base * (1 + (2 * random() - 1) * jitter)));
  if (outcome.retryAfterMs === undefined) return delay;
  return Math.max(delay, Math.min(outcome.retryAfterMs, opts.retryAfterCapMs ?? DEFAULT_RETRY_AFTER_CAP_MS));
}

/** The action's next state after an attempt, in the vocabulary of action states (STYLE §16). */
export type AttemptDecision =
  | { next: 'succeeded' }
  | { next: 'retry'; delayMs: number }
  | { next: 'dead'; reason: 'exhausted' | 'gone' | 'aborted'; disableEndpoint: boolean; detail: string };

export function decideAfterAttempt(
  schedule: RetrySchedule,
  attemptNumber: number,
  outcome: DeliveryOutcome,
  opts: DelayOptions = {},
): AttemptDecision {
  switch (outcome.kind) {
    case 'success':
      return { next: 'succeeded' };
    case 'gone':
      return { next: 'dead', reason: 'gone', disableEndpoint: true, detail: outcome.reason };
    case 'abort':
      return { next: 'dead', reason: 'aborted', disableEndpoint: false, detail: outcome.reason };
    case 'retry': {
      const delayMs = nextAttemptDelay(schedule, attemptNumber, outcome, opts);
      if (delayMs !== null) return { next: 'retry', delayMs };
      return {
        next: 'dead',
        reason: 'exhausted',
        disableEndpoint: false,
        detail: `${outcome.reason} (attempt ${attemptNumber}, no retries left)`,
      };
    }
  }
}
