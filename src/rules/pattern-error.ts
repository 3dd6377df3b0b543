// How pattern errors are located and raised: a path into the pattern as written ("data.total[0]",
// "$or[1].source") and an AWS-like reason, thrown as EH_PATTERN_INVALID.
import { EventhookError } from '../core/errors.js';

// Keys shown with a dot; anything else (dots, brackets, quotes, spaces, empty) is shown as ["key"].
const PLAIN_KEY = /^[^.[\]"'\s]+$/;

export function keyPath(parent: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** Throws the one error every invalid pattern raises. The root of the pattern is shown as "(root)". */
export function invalidPattern(path: string, reason: string): never {
  throw new EventhookError('EH_PATTERN_INVALID', { path: path === '' ? '(root)' : path, reason });
}

/** A JSON value shown inside a reason, short. */
export function show(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
