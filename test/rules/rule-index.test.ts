// RuleIndex: adding, replacing and deleting rules swaps in a new complete Matcher, incrementally and across full
// rebuilds, without ever changing a Matcher already handed out.
import { describe, expect, it } from 'vitest';
import { RuleIndex } from '../../src/rules/index.js';

describe('RuleIndex', () => {
  it('adds, replaces and deletes rules', () => {
    const index = new RuleIndex();
    index.set('a', { type: ['x'] });
    index.set('b', { type: ['x', 'y'] });
    expect(index.match({ type: 'x' })).toEqual(['a', 'b']);
    index.set('a', { type: ['y'] });
    expect(index.match({ type: 'x' })).toEqual(['b']);
    expect([...index.match({ type: 'y' })].sort()).toEqual(['a', 'b']);
    index.delete('b');
    index.delete('nope');
    expect(index.match({ type: 'x' })).toEqual([]);
    expect(index.match({ type: 'y' })).toEqual(['a']);
    expect(index.matcher.size).toBe(1);
  });

  it('swaps the matcher on every change and leaves handed-out matchers as they were', () => {
    const index = new RuleIndex<string>([{ id: 'a', pattern: { type: ['x'] } }]);
    const before = index.matcher;
    index.set('b', { type: ['x'] });
    index.delete('a');
    expect(index.matcher).not.toBe(before);
    expect(before.match({ type: 'x' })).toEqual(['a']);
    expect(before.size).toBe(1);
    expect(index.match({ type: 'x' })).toEqual(['b']);
  });

  it('rejects an invalid pattern and keeps the previous rule', () => {
    const index = new RuleIndex<string>([{ id: 'a', pattern: { type: ['x'] } }]);
    const before = index.matcher;
    expect(() => index.set('a', { type: [] })).toThrow(
      'Invalid pattern at type: Empty arrays are not allowed',
    );
    expect(index.matcher).toBe(before);
    expect(index.match({ type: 'x' })).toEqual(['a']);
  });

  it('stays exact across incremental changes and full rebuilds', () => {
    const index = new RuleIndex<string>();
    const live = new Map<string, number>();
    // 500 adds, then replacing every third and deleting every fifth: crosses the rebuild thresholds many times.
    for (let i = 0; i < 500; i++) {
      index.set(`r${i}`, { n: [i] });
      live.set(`r${i}`, i);
    }
    for (let i = 0; i < 500; i += 3) {
      index.set(`r${i}`, { n: [i + 1000] });
      live.set(`r${i}`, i + 1000);
    }
    for (let i = 0; i < 500; i += 5) {
      index.delete(`r${i}`);
      live.delete(`r${i}`);
    }
    expect(index.size).toBe(live.size);
    expect(index.matcher.size).toBe(live.size);
    for (let n = 0; n < 1500; n += 7) {
      const expected = [...live].filter(([, v]) => v === n).map(([id]) => id);
      expect(index.match({ n })).toEqual(expected);
    }
  });
});
