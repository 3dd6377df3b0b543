// The rules concern's public face: pattern validation, one-off matching for rule tests, and the compiled Matcher
// and RuleIndex the router uses. The pattern language is specified in docs/pattern-language.md.
import { Automaton } from './automaton.js';
import { isEventhookError } from '../core/errors.js';
import { locatePatternError } from './pattern-error.js';
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

/** One pattern against one event (any JSON value as given), for POST /rules/test. Validates first. */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  const automaton = new Automaton([{ id: 'pattern', pattern: parsePattern(pattern) }]);
  return automaton.match(event).length > 0;
}
