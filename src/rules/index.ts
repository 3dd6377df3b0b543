// The rules concern's public face: pattern validation, one-off matching, and the compiled Matcher (the router's, the
// rule tester's) and RuleIndex. The pattern language is specified in docs/pattern-language.md.
import { Automaton } from './automaton.js';
import { ENVELOPE_FIELDS } from '../core/envelope.js';
import { isEventhookError, type EventhookError } from '../core/errors.js';
import { nearestName } from '../core/nearest-name.js';
import { indexPath, invalidPattern, isObject, keyPath, locatePatternError, show } from './pattern-error.js';
import { parsePattern } from './pattern-parser.js';

export { Matcher } from './matcher.js';
export { RuleIndex } from './rule-index.js';

/**
 * Throws EventhookError('EH_PATTERN_INVALID', {path, reason}) — path like "data.total[0]" or "$or[1].source" — with
 * one issue located at `at` (the pattern's JSON Pointer in the input, e.g. `/pattern`) plus the path within it.
 */
export function validatePattern(pattern: unknown, at = ''): void {
  try {
    parsePattern(pattern);
  } catch (err) {
    throw isEventhookError(err, 'EH_PATTERN_INVALID') ? locatePatternError(err, at) : err;
  }
}

const TEXT_FIELDS: ReadonlySet<string> = new Set(
  ENVELOPE_FIELDS.filter((f) => f !== 'data' && f !== 'headers'),
);
const OPTIONAL_FIELDS: ReadonlySet<string> = new Set([
  'subject',
  'datacontenttype',
  'correlationid',
  'traceparent',
]);

/**
 * validatePattern, for a rule that will match envelopes: a top-level field the envelope does not have (`dat` for
 * `data`, `detail-type` from EventBridge) would never match, so it is refused with the fields there are. (The rule
 * tester matches any JSON given as its sample, and checks patterns with validatePattern alone.)
 */
export function validateRulePattern(pattern: unknown, at = ''): void {
  validatePattern(pattern, at);
  checkEnvelopeFields(pattern, at);
}

/**
 * What part of a stored rule's pattern can never match, as saving it today would say ("/pattern/subject/0: subject is
 * text in every event…"), or undefined. For rules saved before these checks: they are still routed, as they were,
 * since the rest of such a pattern may match.
 */
export function neverMatchingPart(pattern: unknown, at = '/pattern'): string | undefined {
  return firstRefusal(() => checkEnvelopeFields(pattern, at));
}

/**
 * Why a stored pattern does not compile at all ("/pattern/data/ip/0/cidr: Invalid IP address: …"), or undefined: for
 * rules an older version saved before the language refused what they hold.
 */
export function invalidPatternPart(pattern: unknown, at = '/pattern'): string | undefined {
  return firstRefusal(() => validatePattern(pattern, at));
}

/** The first issue of the EH_PATTERN_INVALID `check` throws, as `path: message`, or undefined when it passes. */
function firstRefusal(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    if (!isEventhookError(err, 'EH_PATTERN_INVALID')) throw err;
    const issue = err.issues?.[0];
    return issue ? `${issue.path}: ${issue.message}` : err.message;
  }
}

/** The refusals of validateRulePattern beyond the pattern language's own, for a pattern that parses. */
function checkEnvelopeFields(pattern: unknown, at: string): void {
  // A refusal located in the pattern, then in the request (`at`).
  const refuse = (path: string, message: string): never => {
    try {
      return invalidPattern(path, message);
    } catch (err) {
      throw locatePatternError(err as EventhookError, at);
    }
  };
  const check = (branch: Record<string, unknown>, path: string): void => {
    for (const [key, value] of Object.entries(branch)) {
      if (key === '$or' && Array.isArray(value)) {
        value.forEach((b, i) => isObject(b) && check(b, indexPath(keyPath(path, key), i)));
        continue;
      }
      const [field = '', ...rest] = key.split('.');
      if (field === 'headers') {
        if (rest.length > 0) checkHeaderName(rest[0]!, keyPath(path, key));
        else if (isObject(value)) checkHeaders(value, keyPath(path, key));
        continue;
      }
      if (ENVELOPE_FIELDS.includes(field)) {
        if (rest.length === 0 && Array.isArray(value)) checkText(field, value, keyPath(path, key));
        continue;
      }
      const near = nearestName(field, ENVELOPE_FIELDS);
      refuse(
        keyPath(path, key),
        `${field} is not a field of the event envelope${near ? ` (did you mean ${near}?)` : ''}: it has ${ENVELOPE_FIELDS.join(', ')}`,
      );
    }
  };
  // Every field but data and headers is text (or absent), yet GET /events shows a missing subject as null.
  const checkText = (field: string, values: unknown[], path: string): void => {
    if (!TEXT_FIELDS.has(field)) return;
    values.forEach((v, i) => {
      if (v !== null && typeof v !== 'number' && typeof v !== 'boolean') return;
      const absent = OPTIONAL_FIELDS.has(field) ? ' (or absent)' : '';
      const hint =
        v === null && absent
          ? ': {"exists": false} matches an event without one'
          : typeof v === 'number'
            ? `: write "${v}"`
            : '';
      refuse(
        indexPath(path, i),
        `${field} is text in every event${absent}, so ${show(v)} never matches${hint}`,
      );
    });
  };
  // Ingest lower-cases header names (as HTTP/2 sends them), so `X-GitHub-Event` could never match.
  const checkHeaderName = (name: string, path: string): void => {
    if (name === name.toLowerCase()) return;
    refuse(
      path,
      `${name} is no header name an event has: header names are stored in lower case (write ${name.toLowerCase()})`,
    );
  };
  const checkHeaders = (headers: Record<string, unknown>, path: string): void => {
    for (const [key, value] of Object.entries(headers)) {
      if (key === '$or' && Array.isArray(value)) {
        value.forEach((b, i) => isObject(b) && checkHeaders(b, indexPath(keyPath(path, key), i)));
      } else checkHeaderName(key.split('.')[0]!, keyPath(path, key));
    }
  };
  if (isObject(pattern)) check(pattern, '');
}

/**
 * One pattern against one event (any JSON value as given), compiled on every call: for a one-off check. Validates
 * first. POST /rules/test builds a Matcher instead, the router's own, since a backtest matches many events.
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  const automaton = new Automaton([{ id: 'pattern', pattern: parsePattern(pattern) }]);
  return automaton.match(event).length > 0;
}
