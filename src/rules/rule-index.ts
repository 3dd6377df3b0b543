// An org's live rule set. Each change builds a new Matcher and swaps the reference, incrementally: rules added since
// the last full build go into a small automaton of their own, deleted or replaced ones are filtered out of the base
// automaton's results, and once either grows past a fraction of the base, everything is rebuilt from the live set.
import { Automaton } from './automaton.js';
import type { MatcherLayer } from './matcher.js';
import { Matcher, compileRulePattern } from './matcher.js';
import type { CompiledPattern } from './pattern-types.js';

// Rebuild when the delta or the filtered-out set exceeds this share of the base (or this floor).
const REBUILD_SHARE = 1 / 8;
const REBUILD_FLOOR = 64;

/** Mutable holder for one org's rules; `matcher` is always a complete, immutable Matcher over the live set. */
export class RuleIndex<Id extends string = string> {
  private readonly live = new Map<Id, CompiledPattern>();
  private base: Automaton<Id> = new Automaton<Id>([]);
  private baseIds = new Set<Id>();
  private readonly excluded = new Set<Id>();
  private readonly added = new Map<Id, CompiledPattern>();
  private current: Matcher<Id> = Matcher.compiled<Id>([]);

  constructor(rules: Iterable<{ id: Id; pattern: unknown }> = []) {
    for (const r of rules) this.live.set(r.id, compileRulePattern(r.id, r.pattern));
    this.rebuild();
  }

  get matcher(): Matcher<Id> {
    return this.current;
  }

  get size(): number {
    return this.live.size;
  }

  /** Adds or replaces a rule. Throws EH_PATTERN_INVALID and changes nothing if the pattern is invalid. */
  set(id: Id, pattern: unknown): void {
    const compiled = compileRulePattern(id, pattern);
    this.live.set(id, compiled);
    if (this.baseIds.has(id)) this.excluded.add(id);
    this.added.set(id, compiled);
    this.refresh();
  }

  /** Removes a rule; unknown ids are ignored. */
  delete(id: Id): void {
    if (!this.live.delete(id)) return;
    this.added.delete(id);
    if (this.baseIds.has(id)) this.excluded.add(id);
    this.refresh();
  }

  match(event: unknown): Id[] {
    return this.current.match(event);
  }

  private refresh(): void {
    const limit = Math.max(REBUILD_FLOOR, this.baseIds.size * REBUILD_SHARE);
    if (this.added.size > limit || this.excluded.size > limit) {
      this.rebuild();
      return;
    }
    const layers: MatcherLayer<Id>[] = [
      { automaton: this.base, excluded: this.excluded.size > 0 ? new Set(this.excluded) : undefined },
    ];
    if (this.added.size > 0) {
      const delta = new Automaton([...this.added].map(([id, pattern]) => ({ id, pattern })));
      layers.push({ automaton: delta, excluded: undefined });
    }
    this.current = Matcher.layered(layers, this.live.size);
  }

  private rebuild(): void {
    const rules = [...this.live].map(([id, pattern]) => ({ id, pattern }));
    this.base = new Automaton(rules);
    this.current = Matcher.layered([{ automaton: this.base, excluded: undefined }], this.live.size);
    this.baseIds = new Set(this.live.keys());
    this.excluded.clear();
    this.added.clear();
  }
}
