// Finds numbers JSON can carry but JavaScript cannot hold: 1e400 parses to Infinity, and is stored as null.
import { pointerToken, type FieldIssue } from '../core/errors.js';

/** Beyond this many, the rest of an event's overflowing numbers are not listed: one is enough to fix the sender. */
const MAX_ISSUES = 10;

export const NOT_FINITE = 'is a number beyond the range of a 64-bit float (e.g. 1e400); it cannot be stored';

/**
 * An issue for each number in `value` that parsed to ±Infinity, at its JSON Pointer under `at`. Such a number
 * would be written back as null, so the event would be stored with other data than was sent, silently. Walks without
 * recursion: published data has no nesting limit, and a deep document must not overflow the stack here.
 */
export function nonFiniteNumbers(value: unknown, at: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const pending: [unknown, string][] = [[value, at]];
  while (pending.length > 0 && issues.length < MAX_ISSUES) {
    const [v, path] = pending.pop()!;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) issues.push({ path, message: NOT_FINITE });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) pending.push([v[i], `${path}/${i}`]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        pending.push([entries[i]![1], `${path}/${pointerToken(entries[i]![0])}`]);
      }
    }
  }
  return issues;
}
