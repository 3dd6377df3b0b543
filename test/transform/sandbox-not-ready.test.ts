// Without initSandbox(), JavaScript cannot be compiled; the other kinds still work. (Runs in its own process.)
import { describe, expect, it } from 'vitest';
import { compileFilter, compileTransform } from '../../src/transform/index.js';
import { envelope, thrown } from './fixtures.js';

describe('before initSandbox()', () => {
  it('refuses JavaScript with EH_NOT_READY and still compiles the other kinds', () => {
    expect(thrown(() => compileFilter('function filter() { return true }')).code).toBe('EH_NOT_READY');
    expect(thrown(() => compileTransform({ javascript: 'function transform() { return 1 }' })).code).toBe(
      'EH_NOT_READY',
    );
    expect(compileTransform({ jmespath: 'type' }).apply(envelope())).toBe('pull_request.opened');
  });
});
