// The field level of the compiled matcher: states of an automaton whose transitions are "a leaf on path P satisfies
// one of these value patterns" (through a ValueMatcher) or "path P is absent". A rule's branch is a chain of
// states; branches that begin with the same conditions share their states, which is why cost follows the event.
import type { ValuePattern } from './pattern-types.js';
import { ValueMatcher } from './value-matcher.js';

/**
 * Where a value transition leads: a state, or (once built) the index of the one rule a terminal state would end,
 * so that the commonest last step of a match needs no state object at all.
 */
export type Target = NameState | number;

// Most states have no transitions of some kind; they share these (never written: the first add replaces them).
const NO_NUMBERS: number[] = [];
const NO_MATCHERS: ValueMatcher<Target>[] = [];
const NO_STATES: NameState[] = [];
// With more value transitions than this, a state keeps a map from path to matcher for events with few fields.
const MAP_FROM = 4;

/** Invariant: built through onCondition/onAbsent, then finish(); never changed afterwards. */
export class NameState {
  /** Rules (by index) whose branch ends here: reaching this state means they match. */
  rules: number[] = NO_NUMBERS;
  /** rules[0] when it is the only one, else -1: most terminal states end one rule, read without the array. */
  soleRule = -1;
  /** True when the state has no transitions at all (only ends rules). */
  terminal = true;
  /** The matcher when there is exactly one value transition (most states), read without the arrays. */
  soleMatcher: ValueMatcher<Target> | undefined;
  solePath = -1;
  /** When that matcher holds a single pattern: the pattern and its target, tested without the matcher at all. */
  solePattern: ValuePattern | undefined;
  soleTarget: Target = -1;
  /** Value transitions: parallel arrays of path number and the matcher for leaves on that path. */
  fieldPaths: number[] = NO_NUMBERS;
  fieldMatchers: ValueMatcher<Target>[] = NO_MATCHERS;
  /** Path number → matcher, only when there are many value transitions. */
  matcherByPath: Map<number, ValueMatcher<Target>> | undefined;
  /** Absence transitions: parallel arrays of path number and the state reached when that path has no leaf. */
  absentPaths: number[] = NO_NUMBERS;
  absentNext: NameState[] = NO_STATES;
  /** Match-time scratch of the owning automaton: the match generation that last visited this state. */
  visited = 0;
  /** Build-time only: transition key → next state, so identical condition prefixes share states. */
  private next: Map<string, NameState> | undefined;

  constructor(readonly id: number) {}

  addRule(index: number): void {
    if (this.rules === NO_NUMBERS) this.rules = [];
    if (this.rules[this.rules.length - 1] !== index) this.rules.push(index);
  }

  /** The state reached when a leaf on `pathId` satisfies one of `patterns` (a condition), created if new. */
  onCondition(
    pathId: number,
    patterns: readonly ValuePattern[],
    setKey: string,
    create: () => NameState,
  ): NameState {
    const key = `${pathId}\u0001${setKey}`;
    this.next ??= new Map();
    let target = this.next.get(key);
    if (target !== undefined) return target;
    target = create();
    this.next.set(key, target);
    const matcher = this.matcherFor(pathId);
    for (const p of patterns) matcher.add(p, target);
    return target;
  }

  /** The state reached when `pathId` has no (consistent) leaf, created if new. */
  onAbsent(pathId: number, create: () => NameState): NameState {
    const key = `${pathId}\u0001!`;
    this.next ??= new Map();
    let target = this.next.get(key);
    if (target !== undefined) return target;
    target = create();
    this.next.set(key, target);
    if (this.absentPaths === NO_NUMBERS) {
      this.absentPaths = [];
      this.absentNext = [];
    }
    this.absentPaths.push(pathId);
    this.absentNext.push(target);
    return target;
  }

  /** Ends building, part 1 (for every state before part 2): fixes the summary fields and drops build-time maps. */
  seal(): void {
    this.next = undefined;
    this.soleRule = this.rules.length === 1 ? (this.rules[0] as number) : -1;
    this.terminal = this.fieldPaths.length === 0 && this.absentPaths.length === 0;
    if (this.fieldPaths.length === 1) {
      this.soleMatcher = this.fieldMatchers[0];
      this.solePath = this.fieldPaths[0] as number;
    }
  }

  /** Ends building, part 2: value transitions into terminal single-rule states become that rule's index. */
  finishMatchers(): void {
    for (const m of this.fieldMatchers) m.finish(shortcut);
    const only = this.soleMatcher?.onlyEntry;
    if (only !== undefined) {
      this.solePattern = only.pattern;
      this.soleTarget = only.target;
    }
    if (this.fieldPaths.length <= MAP_FROM) this.matcherByPath = undefined;
  }

  private matcherFor(pathId: number): ValueMatcher<Target> {
    const known = this.matcherByPath?.get(pathId) ?? this.findMatcher(pathId);
    if (known !== undefined) return known;
    const matcher = new ValueMatcher<Target>();
    if (this.fieldPaths === NO_NUMBERS) {
      this.fieldPaths = [];
      this.fieldMatchers = [];
    }
    this.fieldPaths.push(pathId);
    this.fieldMatchers.push(matcher);
    if (this.fieldPaths.length > MAP_FROM) {
      this.matcherByPath ??= new Map(
        this.fieldPaths.map((p, i) => [p, this.fieldMatchers[i] as ValueMatcher<Target>]),
      );
      this.matcherByPath.set(pathId, matcher);
    }
    return matcher;
  }

  private findMatcher(pathId: number): ValueMatcher<Target> | undefined {
    if (this.matcherByPath !== undefined) return undefined;
    const i = this.fieldPaths.indexOf(pathId);
    return i < 0 ? undefined : this.fieldMatchers[i];
  }
}

function shortcut(t: Target): Target {
  return typeof t !== 'number' && t.terminal && t.soleRule >= 0 ? t.soleRule : t;
}
