// One compiled automaton over a set of rules: building it from parsed patterns, and running an event through it.
// Each branch becomes a chain of conditions ordered most-selective first (exact values before ranges before
// anything-but), so shared, selective conditions prune early; absences come last, checked against the leaves the
// positive conditions chose. Matching walks only states the event's leaves reach.
import type { ArrayStep, Membership } from './array-membership.js';
import { NO_MEMBERSHIP, extend, isConsistent, membershipKey } from './array-membership.js';
import { EventFields, PathTrie } from './event-fields.js';
import type { Target } from './name-state.js';
import { NameState } from './name-state.js';
import type { CompiledPattern, Condition, ValuePattern } from './pattern-types.js';
import { Bag } from './sink.js';
import type { ValueMatcher } from './value-matcher.js';
import type { LeafValue } from './value-predicate.js';
import { valueMatches } from './value-predicate.js';

export interface CompiledRule<Id> {
  readonly id: Id;
  readonly pattern: CompiledPattern;
}

export class Automaton<Id> {
  private readonly start: NameState;
  private readonly states: NameState[] = [];
  private readonly trie = new PathTrie();
  private readonly ids: Id[] = [];
  private stateCount = 0;
  // Per-match scratch, reused: matching is synchronous and never re-entrant.
  private readonly fields: EventFields;
  private readonly ruleStamp: Uint32Array;
  private gen = 0;
  private readonly stack = new Bag<Target>();
  private readonly hits = new Bag<number>();

  constructor(rules: Iterable<CompiledRule<Id>>) {
    const states = this.states;
    const create = (): NameState => {
      const s = new NameState(this.stateCount++);
      states.push(s);
      return s;
    };
    this.start = create();
    // Equal patterns across rules become one object, so states holding them share what an event touches.
    const interned = new Map<string, ValuePattern>();
    for (const rule of rules) {
      const index = this.ids.length;
      this.ids.push(rule.id);
      for (const branch of rule.pattern.branches) {
        let state = this.start;
        for (const c of [...branch.conditions].sort(bySelectivity)) {
          const keys = c.patterns.map((p) => JSON.stringify(p));
          const patterns = c.patterns.map((p, i) => intern(interned, keys[i] as string, p));
          const setKey = [...new Set(keys)].sort().join('\n');
          state = state.onCondition(this.trie.add(c.path), patterns, setKey, create);
        }
        for (const path of [...branch.absent].sort()) state = state.onAbsent(this.trie.add(path), create);
        state.addRule(index);
      }
    }
    for (const s of states) s.seal();
    for (const s of states) s.finishMatchers();
    this.fields = new EventFields(this.trie.paths.length);
    this.ruleStamp = new Uint32Array(this.ids.length);
  }

  get size(): number {
    return this.ids.length;
  }

  /** The ids of matching rules, each once, in the order the rules were given. */
  match(event: unknown): Id[] {
    if (this.ids.length === 0) return [];
    this.fields.load(this.trie, event);
    this.nextGeneration();
    const hits = this.hits;
    hits.size = 0;
    if (this.fields.hasArrays) this.visitConsistent(this.start, NO_MEMBERSHIP, new Set());
    else this.visit(this.start);
    const n = hits.size;
    const found = hits.items;
    if (n > 1) sortPrefix(found, n);
    const out: Id[] = new Array<Id>(n);
    for (let i = 0; i < n; i++) out[i] = this.ids[found[i] as number] as Id;
    return out;
  }

  /** Stamps are compared with the generation; when it wraps around, old stamps are cleared so none can collide. */
  private nextGeneration(): void {
    this.gen = (this.gen + 1) >>> 0;
    if (this.gen !== 0) return;
    this.gen = 1;
    this.ruleStamp.fill(0);
    for (const s of this.states) s.visited = 0;
  }

  /** Fast path: no leaf sits in an array of objects, so any leaf combines with any other. */
  private visit(state: NameState): void {
    if (state.terminal) {
      // Nothing to walk from here, so revisits are harmless and the rule stamps de-duplicate.
      this.collectRules(state);
      return;
    }
    if (state.visited === this.gen) return;
    state.visited = this.gen;
    if (state.rules.length > 0) this.collectRules(state);
    const f = this.fields;
    const sole = state.soleMatcher;
    if (sole !== undefined) {
      const pathId = state.solePath;
      if (f.slotGen[pathId] === f.gen) {
        const pattern = state.solePattern;
        if (pattern === undefined) this.step(sole, pathId);
        else this.stepOne(pattern, state.soleTarget, pathId);
      }
      if (state.absentPaths.length > 0) this.visitAbsent(state);
      return;
    }
    const paths = state.fieldPaths;
    const byPath = state.matcherByPath;
    if (byPath === undefined || paths.length <= f.presentCount) {
      for (let i = 0; i < paths.length; i++) {
        const pathId = paths[i] as number;
        if (f.slotGen[pathId] === f.gen) this.step(state.fieldMatchers[i] as ValueMatcher<Target>, pathId);
      }
    } else {
      // Many transitions, few fields in the event: look the event's fields up instead.
      for (let i = 0; i < f.presentCount; i++) {
        const pathId = f.present[i] as number;
        const matcher = byPath.get(pathId);
        if (matcher !== undefined) this.step(matcher, pathId);
      }
    }
    if (state.absentPaths.length > 0) this.visitAbsent(state);
  }

  private visitAbsent(state: NameState): void {
    const f = this.fields;
    const absent = state.absentPaths;
    for (let i = 0; i < absent.length; i++) {
      if (f.slotGen[absent[i] as number] !== f.gen) this.visit(state.absentNext[i] as NameState);
    }
  }

  /** Follows every transition the leaves on `pathId` take through `matcher`. */
  private step(matcher: ValueMatcher<Target>, pathId: number): void {
    const f = this.fields;
    const values = f.values[pathId] as LeafValue[];
    const count = f.counts[pathId] as number;
    const stack = this.stack;
    for (let k = 0; k < count; k++) {
      const from = stack.size;
      matcher.collect(values[k] as LeafValue, stack);
      const to = stack.size;
      // Visiting pushes above `to` and pops back to where it started, so items from…to stay put.
      for (let j = from; j < to; j++) {
        const t = stack.items[j] as Target;
        if (typeof t === 'number') this.hitRule(t);
        else this.visit(t);
      }
      stack.size = from;
    }
  }

  /** Like step, for a state whose only transition is one pattern. */
  private stepOne(pattern: ValuePattern, target: Target, pathId: number): void {
    const f = this.fields;
    const values = f.values[pathId] as LeafValue[];
    const count = f.counts[pathId] as number;
    for (let k = 0; k < count; k++) {
      if (!valueMatches(pattern, values[k] as LeafValue)) continue;
      if (typeof target === 'number') this.hitRule(target);
      else this.visit(target);
      return;
    }
  }

  /** Array-consistent path: a partial match carries the array elements it has chosen. */
  private visitConsistent(state: NameState, m: Membership, seen: Set<string>): void {
    const key = `${state.id}|${membershipKey(m)}`;
    if (seen.has(key)) return;
    seen.add(key);
    this.collectRules(state);
    const f = this.fields;
    for (let i = 0; i < state.fieldPaths.length; i++) {
      const pathId = state.fieldPaths[i] as number;
      if (f.slotGen[pathId] !== f.gen) continue;
      const values = f.values[pathId] as LeafValue[];
      const chains = f.chains[pathId] as (ArrayStep | null)[];
      const count = f.counts[pathId] as number;
      for (let k = 0; k < count; k++) {
        const chain = chains[k] as ArrayStep | null;
        if (!isConsistent(chain, m)) continue;
        const next: Target[] = [];
        (state.fieldMatchers[i] as ValueMatcher<Target>).collect(values[k] as LeafValue, next);
        if (next.length === 0) continue;
        const m2 = extend(m, chain);
        for (const t of next) {
          if (typeof t === 'number') this.hitRule(t);
          else this.visitConsistent(t, m2, seen);
        }
      }
    }
    for (let i = 0; i < state.absentPaths.length; i++) {
      const pathId = state.absentPaths[i] as number;
      if (!this.hasConsistentLeaf(pathId, m)) this.visitConsistent(state.absentNext[i] as NameState, m, seen);
    }
  }

  private hasConsistentLeaf(pathId: number, m: Membership): boolean {
    const f = this.fields;
    if (f.slotGen[pathId] !== f.gen) return false;
    const chains = f.chains[pathId] as (ArrayStep | null)[];
    const count = f.counts[pathId] as number;
    for (let k = 0; k < count; k++) if (isConsistent(chains[k] as ArrayStep | null, m)) return true;
    return false;
  }

  private collectRules(state: NameState): void {
    const sole = state.soleRule;
    if (sole >= 0) this.hitRule(sole);
    else for (const r of state.rules) this.hitRule(r);
  }

  private hitRule(r: number): void {
    if (this.ruleStamp[r] !== this.gen) {
      this.ruleStamp[r] = this.gen;
      this.hits.push(r);
    }
  }
}

/** Sorts items[0 … n) ascending (insertion sort for the usual short match lists). */
function sortPrefix(items: number[], n: number): void {
  if (n > 32) {
    const sorted = items.slice(0, n).sort((a, b) => a - b);
    for (let i = 0; i < n; i++) items[i] = sorted[i] as number;
    return;
  }
  for (let i = 1; i < n; i++) {
    const v = items[i] as number;
    let j = i - 1;
    while (j >= 0 && (items[j] as number) > v) {
      items[j + 1] = items[j] as number;
      j--;
    }
    items[j + 1] = v;
  }
}

/** How selective a pattern is: lower ranks go first in a branch's chain of conditions. */
function rank(p: ValuePattern): number {
  switch (p.kind) {
    case 'exact':
    case 'ip':
    case 'equals-ignore-case':
      return 0;
    case 'numeric':
      return p.range.lo === p.range.hi ? 0 : 2;
    case 'wildcard':
      return p.wildcard.pieces.length === 1 ? 0 : 2;
    case 'prefix':
    case 'suffix':
      return 1;
    case 'cidr':
      return 2;
    default:
      return 3;
  }
}

function conditionRank(c: Condition): number {
  let r = 0;
  for (const p of c.patterns) r = Math.max(r, rank(p));
  return r;
}

function bySelectivity(a: Condition, b: Condition): number {
  return conditionRank(a) - conditionRank(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

function intern(known: Map<string, ValuePattern>, key: string, p: ValuePattern): ValuePattern {
  const found = known.get(key);
  if (found !== undefined) return found;
  known.set(key, p);
  return p;
}
