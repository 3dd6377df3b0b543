// The compiled Matcher: an immutable view over one or more automata. Matcher.build compiles every rule into one
// automaton; RuleIndex derives cheap successors (a base automaton with some rules filtered out, plus a small one for
// rules added since) so a rule change never edits a structure that is being matched (STYLE §11, §13).
import { EventhookError, isEventhookError } from '../core/errors.js';
import type { CompiledRule } from './automaton.js';
import { Automaton } from './automaton.js';
import { parsePattern } from './pattern-parser.js';
import type { CompiledPattern } from './pattern-types.js';

/** One automaton and the ids of its rules that no longer count (deleted or replaced since it was built). */
export interface MatcherLayer<Id> {
  readonly automaton: Automaton<Id>;
  readonly excluded: ReadonlySet<Id> | undefined;
}

/** Immutable: match() never sees a half-built state, and a Matcher can be shared freely. */
export class Matcher<Id extends string = string> {
  private constructor(
    private readonly layers: readonly MatcherLayer<Id>[],
    /** The number of rules this matcher answers for. */
    readonly size: number,
  ) {}

  /**
   * Compiles every rule; throws EH_PATTERN_INVALID (with `rule`) for the first invalid pattern, or, given `skip`,
   * leaves that rule out and tells `skip`. A repeated id keeps its last pattern.
   */
  static build<Id extends string>(
    rules: Iterable<{ id: Id; pattern: unknown }>,
    skip?: (id: Id, err: unknown) => void,
  ): Matcher<Id> {
    const compiled = new Map<Id, CompiledPattern>();
    for (const r of rules) {
      try {
        compiled.set(r.id, compileRulePattern(r.id, r.pattern));
      } catch (err) {
        if (!skip) throw err;
        skip(r.id, err);
      }
    }
    return Matcher.compiled([...compiled].map(([id, pattern]) => ({ id, pattern })));
  }

  /** @internal A matcher over already-parsed rules. */
  static compiled<Id extends string>(rules: readonly CompiledRule<Id>[]): Matcher<Id> {
    const automaton = new Automaton(rules);
    return new Matcher([{ automaton, excluded: undefined }], automaton.size);
  }

  /** @internal A matcher over layers whose live rules are disjoint; `size` counts them. */
  static layered<Id extends string>(layers: readonly MatcherLayer<Id>[], size: number): Matcher<Id> {
    return new Matcher(layers, size);
  }

  /** The ids of all rules whose pattern matches the event (any JSON value, as given), each once. */
  match(event: unknown): Id[] {
    const layers = this.layers;
    const only = layers[0];
    if (layers.length === 1 && only !== undefined && only.excluded === undefined)
      return only.automaton.match(event);
    const out: Id[] = [];
    for (const layer of layers) {
      for (const id of layer.automaton.match(event)) if (layer.excluded?.has(id) !== true) out.push(id);
    }
    return out;
  }
}

/** Parses one rule's pattern, naming the rule in the error. */
export function compileRulePattern(id: string, pattern: unknown): CompiledPattern {
  try {
    return parsePattern(pattern);
  } catch (err) {
    if (isEventhookError(err, 'EH_PATTERN_INVALID')) {
      throw new EventhookError(
        'EH_PATTERN_INVALID',
        { ...err.params, rule: id },
        { cause: err, ...(err.issues ? { issues: err.issues } : {}) },
      );
    }
    throw err;
  }
}
