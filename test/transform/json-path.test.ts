// The EventBridge JSONPath subset: which paths parse, and what they select.
import { describe, expect, it } from 'vitest';
import { evaluateJsonPath, parseJsonPath } from '../../src/transform/json-path.js';
import type { JsonPath } from '../../src/transform/json-path.js';

function path(source: string): JsonPath {
  const parsed = parseJsonPath(source);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}

const doc = {
  data: { 'instance-id': 'i-1', items: [{ sku: 'a' }, { sku: 'b', qty: 2 }, { qty: 3 }], 'a.b': 1, 'a/b': 2 },
  headers: { 'x-github-event': 'push' },
};

describe('parseJsonPath / evaluateJsonPath', () => {
  it.each([
    ['$', doc],
    ['$.data.instance-id', 'i-1'],
    ['$.headers.x-github-event', 'push'],
    ['$.data.items[1].qty', 2],
    ["$.data['a.b']", 1],
    ['$.data["a.b"]', 1],
    ['$.data.a/b', 2],
    ['$.data.items[*].sku', ['a', 'b']],
    ['$.data.items.*.qty', [2, 3]],
    ['$.data.items[9]', undefined],
    ['$.data.missing.deeper', undefined],
    ['$.data.items.sku', undefined],
    ['$.missing[*].x', []],
  ])('%s selects %j', (source, expected) => {
    expect(evaluateJsonPath(path(source), doc)).toEqual(expected);
  });

  it.each([
    ['data.x', /start with \$/],
    ['$.', /expected a key/],
    ['$..x', /expected a key/],
    ['$.a[-1]', /expected \[index\]/],
    ['$.a[x]', /expected \[index\]/],
    ['$ .a', /unexpected " "/],
    ['$.a b', /unexpected " "/],
  ])('rejects %s', (source, reason) => {
    const parsed = parseJsonPath(source);
    expect('error' in parsed && parsed.error).toMatch(reason);
  });
});
