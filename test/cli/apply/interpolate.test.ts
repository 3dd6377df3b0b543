// Environment references in apply files: what is replaced, what is left alone, and what is reported missing.
import { describe, expect, it } from 'vitest';
import { interpolate, type MissingVariable } from '../../../src/cli/apply/interpolate.js';

describe('interpolate', () => {
  const env = { STRIPE_SECRET: 'whsec_x', EMPTY: '' };

  it('replaces ${NAME} inside strings, anywhere in the tree, and leaves keys and non-strings alone', () => {
    const missing: MissingVariable[] = [];
    const out = interpolate(
      { a: ['pre-${STRIPE_SECRET}-post', 3, true, null], '${STRIPE_SECRET}': { b: '${STRIPE_SECRET}' } },
      env,
      missing,
    );
    expect(out).toEqual({ a: ['pre-whsec_x-post', 3, true, null], '${STRIPE_SECRET}': { b: 'whsec_x' } });
    expect(missing).toEqual([]);
  });

  it('uses ${NAME:-default} when the variable is unset or empty', () => {
    expect(interpolate('${NOPE:-fallback} ${EMPTY:-e} ${STRIPE_SECRET:-unused}', env)).toBe(
      'fallback e whsec_x',
    );
  });

  it('keeps $${NAME} as a literal ${NAME}, and lower-case names (JavaScript template literals) untouched', () => {
    const js = 'function transform(e) { return `${e.type}/${id}`; }';
    expect(interpolate('$${STRIPE_SECRET}', env)).toBe('${STRIPE_SECRET}');
    expect(interpolate(js, env)).toBe(js);
  });

  it('reports every unset or empty variable with the path of the value that names it', () => {
    const missing: MissingVariable[] = [];
    interpolate({ sources: [{ secret: '${A_SECRET}' }, { secret: '${EMPTY}', name: '${B}' }] }, env, missing);
    expect(missing).toEqual([
      { name: 'A_SECRET', path: ['sources', 0, 'secret'] },
      { name: 'EMPTY', path: ['sources', 1, 'secret'] },
      { name: 'B', path: ['sources', 1, 'name'] },
    ]);
  });
});
