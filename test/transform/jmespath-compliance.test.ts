// Runs the JMESPath compliance suite (test/transform/jmespath-compliance/, see its README) through compileJmespath,
// so a library upgrade that breaks the language, or a wrapper change that hides results, fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compileJmespath } from '../../src/transform/jmespath.js';

interface Case {
  expression: string;
  result?: unknown;
  error?: string;
  bench?: string;
}
interface Suite {
  given: unknown;
  cases: Case[];
}

const DIR = new URL('./jmespath-compliance/', import.meta.url);
/** Measured with @jmespath-community/jmespath 1.3.0 (docs/transforms.md): every case passes. */
const EXPECTED = { total: 875, passed: 875 };

/** Object key order carries no meaning in JSON; arrays keep theirs. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((k) => [k, canonical(record[k])]),
    );
  }
  return value;
}

function runCase(given: unknown, c: Case): boolean {
  try {
    const result = compileJmespath(c.expression)(structuredClone(given));
    return c.error === undefined && isDeepStrictEqual(canonical(result), canonical(c.result));
  } catch {
    // The suite names the error kind but not when it must be raised; raising it at compile or at run both count.
    return c.error !== undefined;
  }
}

describe('JMESPath compliance suite', () => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const failures: string[] = [];
  let total = 0;
  for (const file of files) {
    const suites = JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as Suite[];
    for (const suite of suites) {
      for (const c of suite.cases) {
        if (c.bench !== undefined) continue;
        total++;
        if (!runCase(suite.given, c)) failures.push(`${file}: ${c.expression}`);
      }
    }
  }

  it('covers every file of the suite', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'basic.json',
        'functions.json',
        'literal.json',
        'syntax.json',
        'wildcard.json',
      ]),
    );
    expect(total).toBe(EXPECTED.total);
  });

  it(`passes ${EXPECTED.passed} of ${EXPECTED.total} cases`, () => {
    expect(failures).toEqual([]);
    expect(total - failures.length).toBe(EXPECTED.passed);
  });
});
