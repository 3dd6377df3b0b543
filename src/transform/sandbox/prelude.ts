// The JavaScript that prepares each sandbox context before user code loads: it guards slow built-ins with the
// deadline check, captures the JSON helpers the runner needs, then freezes every reachable intrinsic.

/** Longest JSON text a transform may return, in characters. */
export const MAX_OUTPUT_CHARS = 1024 * 1024;

/**
 * Name of the capability-free host function that throws once the call's deadline has passed. The prelude
 * captures it and deletes the global, so user code never sees it.
 */
export const CHECK_GLOBAL = '__eventhookCheckDeadline';

/**
 * Built-ins that do O(n) or worse work in native code. QuickJS polls its interrupt handler only every ~10,000
 * interpreter steps, so a loop calling one of these could overrun the CPU limit a hundredfold; the guard checks
 * the deadline before each call. (A single call is still bounded only by the memory limit.)
 */
const GUARDED: Readonly<Record<string, readonly string[]>> = {
  'Array.prototype': [
    'sort',
    'fill',
    'join',
    'toString',
    'reverse',
    'indexOf',
    'lastIndexOf',
    'includes',
    'slice',
    'splice',
    'concat',
    'copyWithin',
    'flat',
    'toSorted',
    'toReversed',
    'toSpliced',
  ],
  Array: ['from', 'of'],
  'String.prototype': [
    'repeat',
    'split',
    'replace',
    'replaceAll',
    'padStart',
    'padEnd',
    'indexOf',
    'lastIndexOf',
    'includes',
    'normalize',
    'toLowerCase',
    'toUpperCase',
    'localeCompare',
    'concat',
    'startsWith',
    'endsWith',
  ],
  String: ['fromCharCode', 'fromCodePoint'],
  JSON: ['parse', 'stringify'],
  Object: ['keys', 'values', 'entries', 'assign', 'fromEntries', 'getOwnPropertyNames'],
  'Function.prototype': ['apply'],
  'Object.getPrototypeOf(Int8Array.prototype)': [
    'sort',
    'fill',
    'set',
    'join',
    'indexOf',
    'includes',
    'slice',
  ],
};

/**
 * Evaluates to a function `(factory, input) => string` that runs one call. `factory` is the user script
 * wrapped in a function (see wrapScript), so each call re-runs the script's top level and starts from fresh
 * script-level state. The returned string starts with a one-letter code the host decodes:
 * transform: `j` + JSON text | `u` undefined | `n` + type that JSON cannot hold | `p` promise | `L` + length too
 * long | `e` + serialization error; filter: `t` | `f` | `x` + type of the non-boolean result.
 */
export function prelude(kind: 'transform' | 'filter'): string {
  const guards = Object.entries(GUARDED)
    .map(([owner, names]) => `guard(${owner}, ${JSON.stringify(names)});`)
    .join('\n');
  return `(function () {
  'use strict';
  const check = globalThis.${CHECK_GLOBAL};
  delete globalThis.${CHECK_GLOBAL};
  const apply = Reflect.apply, defineProperty = Object.defineProperty, parse = JSON.parse, stringify = JSON.stringify;
  const PromiseCtor = Promise, isArray = Array.isArray;
  function guard(owner, names) {
    for (const name of names) {
      const original = owner[name];
      if (typeof original !== 'function') continue;
      const guarded = { [name](...args) { check(); return apply(original, this, args); } }[name];
      defineProperty(owner, name, { value: guarded, writable: true, enumerable: false, configurable: true });
    }
  }
  ${guards}
  const seen = new Set();
  (function freeze(value) {
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) return;
    seen.add(value);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
      if (descriptor === undefined) continue;
      if ('value' in descriptor) freeze(descriptor.value);
      else { freeze(descriptor.get); freeze(descriptor.set); }
    }
    freeze(Reflect.getPrototypeOf(value));
    Object.freeze(value);
  })(globalThis);
  seen.clear();
  const describe = (v) => (v === null ? 'null' : isArray(v) ? 'array' : typeof v);
  ${kind === 'transform' ? TRANSFORM_RUNNER : FILTER_RUNNER}
})()`;
}

const TRANSFORM_RUNNER = `return function run(factory, input) {
    const result = factory()(parse(input));
    if (result === undefined) return 'u';
    if (result instanceof PromiseCtor) return 'p';
    let text;
    try { text = stringify(result); } catch (err) { return 'e' + String(err && err.message); }
    if (text === undefined) return 'n' + typeof result;
    if (text.length > ${MAX_OUTPUT_CHARS}) return 'L' + text.length;
    return 'j' + text;
  };`;

const FILTER_RUNNER = `return function run(factory, input) {
    const result = factory()(parse(input));
    if (result === true) return 't';
    if (result === false) return 'f';
    return 'x' + (result instanceof PromiseCtor ? 'promise' : describe(result));
  };`;

/**
 * Wraps the user's source in a strict-mode function returning the named function (or undefined), so each call
 * gets fresh script-level state. The header sits on its own line: reported line numbers are one too high.
 */
export function wrapScript(source: string, functionName: string): string {
  return `(function () { 'use strict';\n${source}\n;return typeof ${functionName} === 'function' ? ${functionName} : typeof ${functionName} === 'undefined' ? undefined : { notAFunction: typeof ${functionName} }; })`;
}

/** Evaluates to `(factory) => 'function' | 'undefined' | <type>`: the save-time check that the function exists. */
export const PROBE = `(function (factory) { const f = factory(); return typeof f === 'function' ? 'function' : f === undefined ? 'undefined' : f.notAFunction; })`;
