// What an engine target's expressions give for an event: a workflow's or task's idempotency key, a promise's
// reference. One place for the action worker (engine-targets.ts) and the rule tester, so a preview fails exactly
// where an attempt would.
import type { Envelope } from '../core/envelope.js';
import { EventhookError } from '../core/errors.js';
import { compileJmespath, type JmespathFn } from '../transform/jmespath.js';

/** JMESPath expressions of targets, compiled once per distinct expression. */
const compiled = new Map<string, JmespathFn>();

export function jmes(expr: string): JmespathFn {
  let fn = compiled.get(expr);
  if (!fn) {
    fn = compileJmespath(expr);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(expr, fn);
  }
  return fn;
}

/**
 * The key a target's `idempotencyKey` expression gives for `envelope` (a number counts, as text). Anything else,
 * null included, throws EH_TRANSFORM_FAILED (permanent: the action dies at its first attempt), as does an expression
 * that fails on this event.
 */
export function keyFromExpression(expr: string, envelope: Envelope): string {
  const value = jmes(expr)(envelope);
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new EventhookError('EH_TRANSFORM_FAILED', {
      reason: `idempotencyKey gave ${JSON.stringify(value)}, not a string`,
    });
  }
  return String(value);
}

/** The promise a promise target's `promise` expression names for `envelope`: an id, `id:<id>` or `key:<key>`. */
export function promiseRef(expr: string, envelope: Envelope): string {
  const ref = jmes(expr)(envelope);
  if (typeof ref !== 'string' || ref === '' || ref === 'key:') {
    throw new EventhookError('EH_TRANSFORM_FAILED', {
      reason: `promise gave ${JSON.stringify(ref)}, not a promise id or key:<key>`,
    });
  }
  return ref;
}
