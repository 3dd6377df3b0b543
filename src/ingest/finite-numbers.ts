// Finds numbers JSON can carry but JavaScript cannot hold: 1e400 parses to Infinity, and is stored as null.
import { pointerToken, type FieldIssue } from '../core/errors.js';

/** Beyond this many, the rest of an event's overflowing numbers are not listed: one is enough to fix the sender. */
const MAX_ISSUES = 10;

export const NOT_FINITE = 'is a number beyond the range of a 64-bit float (e.g. 1e400); it cannot be stored';

/** What data without such a number gets: one list for all, so that the common case allocates nothing. */
const NONE: readonly FieldIssue[] = Object.freeze([]);

/**
 * An issue for each number in `value` that parsed to ±Infinity, at its JSON Pointer under `at`. Such a number
 * would be written back as null, so the event would be stored with other data than was sent, silently.
 *
 * Two walks: every published event's data is checked, and nearly all of it is fine, so the first walk only answers
 * whether there is such a number, building no pointer; only when there is does the second walk locate them. Neither
 * recurses: published data has no nesting limit, and a deep document must not overflow the stack here.
 */
export function nonFiniteNumbers(value: unknown, at: string): readonly FieldIssue[] {
  return hasNonFinite(value) ? locateNonFinite(value, at) : NONE;
}

/**
 * The first walk's stack of containers still to look into, kept between calls so that a walk allocates nothing; it
 * is emptied before the walk returns (walks are synchronous, so never two at once), holding on to no event's data.
 */
const containers: object[] = [];

function hasNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (value === null || typeof value !== 'object') return false;
  containers.push(value);
  try {
    while (containers.length > 0) {
      const v = containers.pop()!;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (isNonFiniteOrPushed(v[i])) return true;
      } else {
        // for…in, not Object.values: no array of the values. JSON.parse makes plain objects, whose only enumerable
        // properties are their own.
        for (const key in v) if (isNonFiniteOrPushed((v as Record<string, unknown>)[key])) return true;
      }
    }
    return false;
  } finally {
    containers.length = 0;
  }
}

/** Whether `child` is a non-finite number; a container is pushed to be looked into later. */
function isNonFiniteOrPushed(child: unknown): boolean {
  if (typeof child === 'number') return !Number.isFinite(child);
  if (child !== null && typeof child === 'object') containers.push(child);
  return false;
}

/** The second walk: in document order, each node with its pointer, up to MAX_ISSUES issues. */
function locateNonFinite(value: unknown, at: string): FieldIssue[] {
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
