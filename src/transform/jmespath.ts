// JMESPath transforms: compile an expression once at save time, evaluate it per event.
// Library: @jmespath-community/jmespath, chosen because it passed every case of the official compliance suite
// (docs/transforms.md has the comparison; test/transform/jmespath-compliance.test.ts keeps it so).
import { compile, getRegisteredFunctions, TreeInterpreter, TYPE_STRING } from '@jmespath-community/jmespath';
import type { JSONValue } from '@jmespath-community/jmespath';
import type { JsonValue } from '../core/envelope.js';
import { EventhookError, isEventhookError } from '../core/errors.js';

type AstNode = ReturnType<typeof compile>;
type Interpreter = typeof TreeInterpreter;
type Runtime = Interpreter['runtime'];

/**
 * group_by as the library has it, but gathering the groups in a Map: the library's `acc[key] || []` on a plain
 * object found the inherited member for a key named `constructor`, `toString`, `__proto__` (…) and failed pushing
 * to it, so events grouped by a user-chosen name broke the transform. Object.fromEntries defines each key as an own
 * data property, `__proto__` included, on an ordinary object, so nothing reaches a prototype and the keys keep the
 * order the library's object gave them. Called with the calling runtime as `this`, whose interpreter (a `let`
 * scope's, say) evaluates the key expression.
 */
function groupByOwnKeys(this: Runtime, [array, expref]: [JSONValue[], AstNode]): JSONValue {
  const keyOf = this.createKeyFunction(expref, [TYPE_STRING]);
  const groups = new Map<string, JSONValue[]>();
  for (const item of array) {
    const key = keyOf(item ?? {}) as string;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return Object.fromEntries(groups);
}

/**
 * merge() as the library has it, but building the result with Object.fromEntries: the library's Object.assign sets
 * a `__proto__` key (a webhook's JSON may carry one) as the result's prototype instead of keeping it as data. Later
 * objects win a key, which keeps its first position, as with Object.assign.
 */
function mergeOwnKeys(objects: Record<string, JSONValue>[]): JSONValue {
  return Object.fromEntries(objects.flatMap((o) => Object.entries(o)));
}

/**
 * Most nodes one evaluation may visit. JMESPath runs on the process's one thread (ingest's event type, routing's
 * inputs and keys, the rule tester), and projections nested in each other multiply (`a[*].[$.a[*].[$.a[*].x]]` over
 * 1,000 items is a billion steps): past this the evaluation fails, the same way for the same event every time, in
 * about 0.1 s. Linear ones fit: `items[*].sku` over a million items, a filter and a three-field hash over 140,000.
 */
export const JMESPATH_MAX_STEPS = 1_000_000;

// Steps of the evaluation under way; reset by each. Evaluation is synchronous, so there is one at a time, and the
// interpreters `let` scopes create share it.
let steps = 0;

/**
 * The library's interpreter reads a field as `value[name]`, so a name every JavaScript object inherits
 * (`constructor`, `toString`, `__proto__`, …) found a function or a prototype where the specification says null:
 * `data.order.constructor` handed a target a function (its action then failing at every attempt) and `__proto__`
 * the prototype. This one reads own fields only, and groups, merges and builds hashes with own keys only;
 * everything else is the library's. Scopes (`let`) are made by the library as its own class, so they are given this one's prototype; they
 * share this one's function table.
 */
class OwnFieldInterpreter extends (TreeInterpreter.constructor as new () => Interpreter) {
  constructor() {
    super();
    const table = this.runtime._functionTable;
    // The library's signature stays, so its argument checks and their messages do too.
    table.group_by = { ...table.group_by!, _func: groupByOwnKeys };
    table.merge = { ...table.merge!, _func: mergeOwnKeys };
  }

  override visit(
    node: AstNode,
    value: Parameters<Interpreter['visit']>[1],
  ): ReturnType<Interpreter['visit']> {
    if (++steps > JMESPATH_MAX_STEPS) {
      throw new EventhookError('EH_TRANSFORM_FAILED', {
        reason: `the expression took more than ${JMESPATH_MAX_STEPS} steps on this event: projections nested in each other multiply`,
      });
    }
    const result = this.visitOwn(node, value);
    if (BUILDERS.has(node.type) && jsonSize(result, (sizes ??= new WeakMap())) > MAX_RESULT_CHARS) {
      throw new Error(RESULT_TOO_LARGE);
    }
    return result;
  }

  private visitOwn(
    node: AstNode,
    value: Parameters<Interpreter['visit']>[1],
  ): ReturnType<Interpreter['visit']> {
    // A multi-select hash assigned `collected[name] = …`, which for `{"__proto__": …}` set the prototype.
    if (node.type === 'MultiSelectHash') {
      if (value === null) return null;
      return Object.fromEntries(
        node.children.map((pair) => [pair.name, this.visit(pair.value, value) as JSONValue]),
      );
    }
    if (node.type !== 'Field') return super.visit(node, value);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
    return Object.hasOwn(value, node.name) ? ((value as Record<string, JSONValue>)[node.name] ?? null) : null;
  }

  override withScope(scope: Parameters<Interpreter['withScope']>[0]): Interpreter {
    return Object.setPrototypeOf(super.withScope(scope), OwnFieldInterpreter.prototype) as Interpreter;
  }
}

const interpreter = new OwnFieldInterpreter();

/**
 * Most characters of JSON text a value the expression builds may stand for: above the largest webhook body a source
 * may take by default (10 MiB), so any part or reshaping of an event fits. Values share structure (`[@, @]` holds one
 * array twice, for nothing), so each `| [@, @]` doubles what a result is as text: 26 of them in a 200-character
 * expression answered a member's rule test with 400 MB, and 40 held the process for minutes while writing it out.
 */
export const MAX_RESULT_CHARS = 16 * 1024 * 1024;
/** Why a transform whose result passed MAX_RESULT_CHARS failed (JMESPath and templates alike). */
export const RESULT_TOO_LARGE = `the result would be more than ${MAX_RESULT_CHARS} characters of JSON`;

/**
 * The nodes that make new values (lists, objects, strings) out of others; every other node hands back a part of its
 * input or a scalar, no larger than what it was given.
 */
const BUILDERS = new Set([
  'MultiSelectList',
  'MultiSelectHash',
  'Function',
  'Projection',
  'ValueProjection',
  'FilterProjection',
  'Flatten',
]);

/**
 * Sizes of the values met during the running evaluation (one at a time: evaluation is synchronous), made at the first
 * built value, so a plain path such as `data.order.id` costs nothing more.
 */
let sizes: WeakMap<object, number> | undefined;

/**
 * About how many characters `value` is as JSON. Each object or array is measured once and remembered, so a value
 * that holds another many times costs one look-up per holding, and measuring stops once past the limit.
 */
function jsonSize(value: unknown, memo: WeakMap<object, number>): number {
  if (typeof value === 'string') return value.length + 2;
  if (value === null || typeof value !== 'object') return 8;
  const known = memo.get(value);
  if (known !== undefined) return known;
  let n = 2;
  if (Array.isArray(value)) {
    for (const item of value) {
      n += jsonSize(item, memo) + 1;
      if (n > MAX_RESULT_CHARS) break;
    }
  } else {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      n += key.length + 4 + jsonSize((value as Record<string, unknown>)[key], memo);
      if (n > MAX_RESULT_CHARS) break;
    }
  }
  memo.set(value, n);
  return n;
}

/** A compiled JMESPath expression; pure and reusable, safe to cache and call from many places. */
export type JmespathFn = (data: unknown) => JsonValue;

/**
 * Compiles `expression` and returns its evaluator.
 * Throws EventhookError('EH_TRANSFORM_INVALID', {path, reason}) on a syntax error or an unknown function.
 * The evaluator throws EventhookError('EH_TRANSFORM_FAILED', {reason}) when evaluation fails (e.g. a function
 * given the wrong type); its result may share structure with its input, so treat it as read-only.
 */
export function compileJmespath(expression: string, path = '/jmespath'): JmespathFn {
  if (typeof expression !== 'string' || expression.trim() === '') {
    throw invalidExpression(path, 'the expression must be a non-empty string');
  }
  let ast: AstNode;
  try {
    ast = compile(expression);
  } catch (err) {
    throw invalidExpression(path, errorMessage(err), err);
  }
  // The library only notices unknown functions when it calls them; checking here rejects typos at save time.
  const unknown = unknownFunctions(ast);
  if (unknown.length > 0)
    throw invalidExpression(path, `unknown function ${unknown.map((f) => `${f}()`).join(', ')}`);
  return (data: unknown): JsonValue => {
    steps = 0;
    try {
      return interpreter.search(ast, data as JSONValue) as JsonValue;
    } catch (err) {
      if (isEventhookError(err, 'EH_TRANSFORM_FAILED')) throw err;
      throw new EventhookError('EH_TRANSFORM_FAILED', { reason: errorMessage(err) }, { cause: err });
    } finally {
      sizes = undefined;
    }
  };
}

function invalidExpression(path: string, reason: string, cause?: unknown): EventhookError {
  return new EventhookError(
    'EH_TRANSFORM_INVALID',
    { path, reason },
    { issues: [{ path, message: reason }], cause },
  );
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Names of functions the expression calls that the library does not know, in order of appearance. */
function unknownFunctions(ast: AstNode): string[] {
  const known = new Set(getRegisteredFunctions());
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record.type === 'Function' && typeof record.name === 'string' && !known.has(record.name)) {
      if (!found.includes(record.name)) found.push(record.name);
    }
    for (const [key, value] of Object.entries(record)) {
      // Literal values are data, not syntax: a literal object with a `type: "Function"` key must not count.
      if (key !== 'value') visit(value);
    }
  };
  visit(ast);
  return found;
}
