// How pattern errors are located and raised: a path into the pattern as written ("data.total[0]",
// "$or[1].source") and an AWS-like reason, thrown as EH_PATTERN_INVALID.
import { EventhookError, pointerToken } from '../core/errors.js';

// Keys shown with a dot; anything else (dots, brackets, quotes, spaces, empty) is shown as ["key"].
const PLAIN_KEY = /^[^.[\]"'\s]+$/;

export function keyPath(parent: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/**
 * Throws the one error every invalid pattern raises. The root of the pattern is shown as "(root)"; its one issue
 * locates the problem by JSON Pointer from the pattern's root (`/data/total/0`), which `locatePatternError` puts
 * under where the pattern sits in an input.
 */
export function invalidPattern(path: string, reason: string): never {
  throw new EventhookError(
    'EH_PATTERN_INVALID',
    { path: path === '' ? '(root)' : path, reason },
    { issues: [{ path: pointerOf(path), message: reason }] },
  );
}

/** The same error with its issue located under `at`, the JSON Pointer of the pattern in the input. */
export function locatePatternError(err: EventhookError, at: string): EventhookError {
  const issues = (err.issues ?? []).map((i) => ({ ...i, path: `${at}${i.path}` }));
  return new EventhookError('EH_PATTERN_INVALID', err.params, { issues, cause: err });
}

// One step of a path as keyPath and indexPath write it: a plain key (after a dot but at the start), [i] or ["key"].
const STEP = /(?:^|\.)([^.[\]"'\s]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;

/** The JSON Pointer (RFC 6901) of a path as shown: `data.total[0]` → `/data/total/0`, `a["b.c"]` → `/a/b.c`. */
export function pointerOf(path: string): string {
  let pointer = '';
  STEP.lastIndex = 0;
  while (STEP.lastIndex < path.length) {
    const step = STEP.exec(path);
    // Not a path keyPath and indexPath wrote: point at the pattern itself rather than guess.
    if (step === null) return '';
    const token = step[1] ?? step[2] ?? (JSON.parse(step[3]!) as string);
    pointer += `/${pointerToken(token)}`;
  }
  return pointer;
}

/** A JSON value shown inside a reason, short. */
export function show(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
