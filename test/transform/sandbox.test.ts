// The JavaScript sandbox under attack: runaway loops, memory bombs, escape attempts and huge output each fail
// their own call with a clear reason, the same compiled script keeps working afterwards, and calls do not leak
// state into each other.
import { beforeAll, describe, expect, it } from 'vitest';
import { compileFilter, compileTransform, initSandbox } from '../../src/transform/index.js';
import type { CompiledTransform } from '../../src/transform/index.js';
import { envelope, thrown } from './fixtures.js';

beforeAll(async () => {
  await initSandbox();
});

/** A transform that misbehaves only when the event asks it to, so we can check it recovers afterwards. */
function guarded(attack: string): CompiledTransform {
  return compileTransform({
    javascript: `function transform(event) {
  if (event.data.attack) { ${attack} }
  return { ok: event.data.n };
}`,
  });
}

function expectRecovers(t: CompiledTransform): void {
  expect(t.apply(envelope({ n: 1 }))).toEqual({ ok: 1 });
  expect(t.apply(envelope({ n: 2 }))).toEqual({ ok: 2 });
}

describe('sandbox limits', () => {
  it('stops an infinite loop at the CPU limit and keeps working', () => {
    const t = guarded('while (true) {}');
    const started = performance.now();
    const err = thrown(() => t.apply(envelope({ attack: true })));
    expect(err.code).toBe('EH_SCRIPT_TIMEOUT');
    expect(err.params.limitMs).toBe(50);
    expect(performance.now() - started).toBeLessThan(5_000);
    expectRecovers(t);
    t.dispose();
  });

  it('cannot swallow the timeout with try/catch', () => {
    const t = guarded('for (;;) { try { while (true) {} } catch (e) { /* keep going */ } }');
    expect(thrown(() => t.apply(envelope({ attack: true }))).code).toBe('EH_SCRIPT_TIMEOUT');
    expectRecovers(t);
  });

  it('stops loops of slow built-ins, which the interpreter polls rarely', () => {
    const t = guarded(
      'const a = []; for (let i = 0; i < 50000; i++) a.push(String(i)); for (;;) a.slice().sort();',
    );
    const started = performance.now();
    expect(thrown(() => t.apply(envelope({ attack: true }))).code).toBe('EH_SCRIPT_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(5_000);
    expectRecovers(t);
  });

  it('stops a memory bomb at the memory limit and keeps working', () => {
    const t = guarded('const keep = []; for (;;) keep.push(new ArrayBuffer(1 << 20));');
    const err = thrown(() => t.apply(envelope({ attack: true })));
    expect(err.code).toBe('EH_SCRIPT_MEMORY');
    expect(err.params.limitBytes).toBe(32 * 1024 * 1024);
    expectRecovers(t);
  });

  it('honours custom limits', () => {
    const fast = compileTransform({ javascript: 'function transform() { for (;;) {} }' }, '/input', {
      cpuMs: 10,
      memoryBytes: 32 * 1024 * 1024,
    });
    expect(thrown(() => fast.apply(envelope())).params.limitMs).toBe(10);
    const limits = { cpuMs: 2_000, memoryBytes: 4 * 1024 * 1024 };
    const t = compileTransform(
      { javascript: "function transform(e) { return e.data.big ? 'x'.repeat(8 * 1024 * 1024).length : 1 }" },
      '/input',
      limits,
    );
    expect(t.apply(envelope({}))).toBe(1);
    const err = thrown(() => t.apply(envelope({ big: true })));
    expect(err.code).toBe('EH_SCRIPT_MEMORY');
    expect(err.params.limitBytes).toBe(4 * 1024 * 1024);
  });

  it('reports deep recursion as a script error', () => {
    const t = guarded('const f = (n) => f(n + 1) + 1; return f(0);');
    const err = thrown(() => t.apply(envelope({ attack: true })));
    expect(err.code).toBe('EH_SCRIPT_ERROR');
    expect(err.params.reason).toMatch(/stack overflow/);
    expectRecovers(t);
  });

  it('rejects output larger than 1 MiB of JSON', () => {
    const t = guarded("return 'x'.repeat(2 * 1024 * 1024);");
    const err = thrown(() => t.apply(envelope({ attack: true })));
    expect(err.code).toBe('EH_SCRIPT_OUTPUT');
    expect(err.params.reason).toMatch(/2097154 characters of JSON, more than the 1048576 allowed/);
    expectRecovers(t);
  });
});

describe('sandbox isolation', () => {
  it.each([
    ["this.constructor.constructor('return process')()", /TypeError/],
    ["globalThis.constructor.constructor('return process')()", /'process' is not defined/],
    ["Function('return require')()('fs')", /'require' is not defined/],
    ["(() => {}).constructor('return globalThis.process.env')()", /cannot read property 'env' of undefined/],
    ['setTimeout(() => {}, 0)', /'setTimeout' is not defined/],
    ['console.log(1)', /'console' is not defined/],
    ['fetch("http://127.0.0.1/")', /'fetch' is not defined/],
  ])('blocks %s', (attack, reason) => {
    const t = guarded(`return ${attack};`);
    const err = thrown(() => t.apply(envelope({ attack: true })));
    expect(err.code).toBe('EH_SCRIPT_ERROR');
    expect(err.params.reason).toMatch(reason);
    expectRecovers(t);
  });

  it('has no module loader: dynamic import never yields a module', () => {
    const t = guarded("return import('fs');");
    expect(thrown(() => t.apply(envelope({ attack: true }))).params.reason).toMatch(/Promise/);
  });

  it('sees only pure language globals', () => {
    const t = compileTransform({
      javascript: `function transform() {
  return ['process', 'require', 'console', 'setTimeout', 'setInterval', 'fetch', 'XMLHttpRequest', 'WebAssembly',
    'std', 'os', '__eventhookCheckDeadline'].filter((n) => typeof globalThis[n] !== 'undefined');
}`,
    });
    expect(t.apply(envelope())).toEqual([]);
  });

  it('gives every call fresh script state and frozen built-ins', () => {
    const t = compileTransform({
      javascript: `let calls = 0;
function transform(event) {
  calls++;
  try { Array.prototype.polluted = true; } catch (e) {}
  try { globalThis.leak = event.data.n; } catch (e) {}
  return { calls, polluted: [].polluted === true, leak: typeof leak === 'undefined' ? null : leak };
}`,
    });
    expect(t.apply(envelope({ n: 1 }))).toEqual({ calls: 1, polluted: false, leak: null });
    expect(t.apply(envelope({ n: 2 }))).toEqual({ calls: 1, polluted: false, leak: null });
  });

  it('keeps separate scripts apart', () => {
    const a = compileTransform({ javascript: 'function transform() { return typeof secretOfB }' });
    const b = compileTransform({
      javascript: 'var secretOfB = 1; function transform() { return secretOfB }',
    });
    expect(b.apply(envelope())).toBe(1);
    expect(a.apply(envelope())).toBe('undefined');
  });

  it('allows Date, Math and JSON', () => {
    const t = compileTransform({
      javascript:
        'function transform(e) { return [typeof Date.now(), Math.max(1, 2), JSON.parse(JSON.stringify(e.data))] }',
    });
    expect(t.apply(envelope({ a: 1 }))).toEqual(['number', 2, { a: 1 }]);
  });
});

describe('script errors and results', () => {
  it('reports a thrown error with the line and column in the user source', () => {
    const t = compileTransform({
      javascript: 'function transform(event) {\n  return event.data.missing.deeper;\n}',
    });
    const err = thrown(() => t.apply(envelope({})));
    expect(err.code).toBe('EH_SCRIPT_ERROR');
    expect(err.params.reason).toBe(
      "TypeError: cannot read property 'deeper' of undefined (line 2, column 28)",
    );
  });

  it('reports thrown non-errors', () => {
    const t = compileTransform({ javascript: 'function transform() { throw { code: 42 } }' });
    expect(thrown(() => t.apply(envelope())).params.reason).toBe('uncaught {"code":42}');
  });

  it.each([
    ['return undefined', /returned undefined/],
    ['return () => 1', /returned a function, which JSON cannot hold/],
    ['return Promise.resolve(1)', /Promise/],
    ['const o = {}; o.self = o; return o', /could not be serialised as JSON: circular reference/],
    ['return 10n', /could not be serialised as JSON/],
  ])('rejects unusable results: %s', (body, reason) => {
    const t = compileTransform({ javascript: `function transform() { ${body} }` });
    const err = thrown(() => t.apply(envelope()));
    expect(err.code).toBe('EH_SCRIPT_OUTPUT');
    expect(err.params.reason).toMatch(reason);
  });

  it('runs filters that must return a boolean', () => {
    const f = compileFilter(
      'function filter(event) { return event.data.amount > 100 ? true : event.data.flag }',
    );
    expect(f.test(envelope({ amount: 500 }))).toBe(true);
    expect(f.test(envelope({ amount: 1, flag: false }))).toBe(false);
    const err = thrown(() => f.test(envelope({ amount: 1, flag: 'yes' })));
    expect(err.code).toBe('EH_SCRIPT_OUTPUT');
    expect(err.params.reason).toBe('filter must return true or false, got string');
    expect(thrown(() => f.test(envelope({ amount: 1 }))).params.reason).toMatch(/got undefined/);
    f.dispose();
  });

  it('refuses calls after dispose', () => {
    const t = compileTransform({ javascript: 'function transform() { return 1 }' });
    t.dispose();
    expect(() => t.apply(envelope())).toThrow(/disposed/);
  });
});

describe('save-time checks', () => {
  it.each([
    ['function transform(event) {\n  return event.\n}', /SyntaxError: .* \(line 3, column 1\)/],
    ['function transfrom(event) { return 1 }', /must define function transform\(event\)/],
    ['const transform = 5', /transform is a number, not a function/],
    ['}); (function () {', /SyntaxError/],
    ['return 1', /SyntaxError: return not in a function/],
    ["import fs from 'fs'; function transform() {}", /SyntaxError/],
    ['while (true) {}', /top-level code exceeded the CPU time limit of 50 ms/],
    ["throw new Error('at load')", /Error: at load \(line 1, column/],
    ['', /non-empty/],
  ])('rejects %j', (source, reason) => {
    const err = thrown(() => compileTransform({ javascript: source }, '/targets/1/input'));
    expect(err.code).toBe('EH_SCRIPT_INVALID');
    expect(err.params.path).toBe('/targets/1/input/javascript');
    expect(String(err.params.reason)).toMatch(reason);
  });

  it('checks filters for filter(), at their own path', () => {
    const err = thrown(() => compileFilter('function transform() { return true }', '/filter'));
    expect(err.code).toBe('EH_SCRIPT_INVALID');
    expect(err.params).toMatchObject({
      path: '/filter',
      reason: 'the script must define function filter(event)',
    });
  });

  it('rejects impossible limits', () => {
    const err = thrown(() =>
      compileFilter('function filter() { return true }', '/filter', { cpuMs: 0, memoryBytes: 1 }),
    );
    expect(err.code).toBe('EH_CONFIG_INVALID');
  });
});
