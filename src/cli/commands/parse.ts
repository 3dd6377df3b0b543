// Option parsers shared by commands: they reject bad values with the option's name, via commander.
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** The largest page the API's lists (events, actions) return: their `limit`'s maximum. */
export const MAX_PAGE_SIZE = 200;
/** The most events a replay, or actions a retry, takes in one call: the bulk routes' `limit` maximum. */
export const MAX_BULK_LIMIT = 10_000;

/**
 * A positive integer up to `max`, checked here rather than sent: the server would name its query or body field
 * (`querystring/limit: must be <= 200`), not the option the user typed.
 */
export function intUpTo(max: number): (value: string) => number {
  return (value) => {
    const n = positiveInt(value);
    if (n > max) throw new InvalidArgumentError(`must be at most ${max}`);
    return n;
  };
}

/** `--option k=v` (repeatable): values that parse as JSON (numbers, booleans, objects) are taken as JSON. */
export function keyValue(value: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  const raw = value.slice(eq + 1);
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // a plain string
  }
  return { ...previous, [value.slice(0, eq)]: parsed };
}

/** An RFC 3339 time with its offset (the API's `date-time`), checked here for the same reason as `intUpTo`. */
export function rfc3339(value: string): string {
  if (!RFC3339.test(value))
    throw new InvalidArgumentError('must be an RFC 3339 time such as 2025-01-31T09:00:00Z');
  return value;
}
const RFC3339 = /^\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}:\d{2}(\.\d+)?(z|[+-]\d{2}(:?\d{2})?)$/i;

/** A duration such as 30s, 5m, 24h or 7d, in seconds. */
export function durationSeconds(value: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('must be a duration such as 30s, 5m, 24h or 7d');
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
}
