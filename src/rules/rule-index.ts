// An org's live rule set. Each change builds a new Matcher and swaps the reference (STYLE §11, §13), incrementally:
// rules live in three levels (a large base, a medium level, a few recent rules), each its own automaton. A change
// rebuilds only the recent level; replaced or deleted rules are filtered out of the older levels' results; a level
// that outgrows its share is merged into the next, and the base is rebuilt from the live set only occasionally.
import { Automaton } from './automaton.js';
import type { MatcherLayer } from './matcher.js';
import { Matcher, compileRulePattern } from './matcher.js';
import type { CompiledPattern } from './pattern-types.js';

// The recent level holds at most this many rules; the medium level at most a share of the base (or the floor);
// the base is rebuilt when that much of it is stale.
const RECENT_MAX = 32;
const MEDIUM_SHARE = 1 / 8;
const MEDIUM_FLOOR = 256;
const STALE_SHARE = 1 / 4;

/** One level: its rules as they were when its automaton was built, and the ids since replaced or deleted. */
interface Level<Id> {
  readonly rules: Map<Id, CompiledPattern>;
  automaton: Automaton<Id>;
  readonly stale: Set<Id>;
}

const emptyLevel = <Id>(): Level<Id> => ({
  rules: new Map(),
  automaton: new Automaton<Id>([]),
  stale: new Set(),
});

/** Mutable holder for one org's rules; `matcher` is always a complete, immutable Matcher over the live set. */
export class RuleIndex<Id extends string = string> {
  private readonly live = new Map<Id, CompiledPattern>();
  private base: Level<Id> = emptyLevel();
  private medium: Level<Id> = emptyLevel();
  private recent: Level<Id> = emptyLevel();
  private current: Matcher<Id> = Matcher.compiled<Id>([]);

  constructor(rules: Iterable<{ id: Id; pattern: unknown }> = []) {
    for (const r of rules) this.live.set(r.id, compileRulePattern(r.id, r.pattern));
    this.rebuildBase();
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
    this.markStale(id);
    this.recent.rules.set(id, compiled);
    this.changed();
  }

  /** Removes a rule; unknown ids are ignored. */
  delete(id: Id): void {
    if (!this.live.delete(id)) return;
    this.markStale(id);
    this.recent.rules.delete(id);
    this.changed();
  }

  match(event: unknown): Id[] {
    return this.current.match(event);
  }

  private markStale(id: Id): void {
    if (this.base.rules.has(id)) this.base.stale.add(id);
    if (this.medium.rules.has(id)) this.medium.stale.add(id);
  }

  private changed(): void {
    const baseSize = this.base.rules.size;
    if (this.base.stale.size > Math.max(MEDIUM_FLOOR, baseSize * STALE_SHARE)) {
      this.rebuildBase();
      return;
    }
    if (this.recent.rules.size > RECENT_MAX) {
      // Merge the recent rules into the medium level (the newer pattern of an id wins).
      const merged = new Map([...this.medium.rules].filter(([id]) => !this.medium.stale.has(id)));
      for (const [id, p] of this.recent.rules) merged.set(id, p);
      if (merged.size > Math.max(MEDIUM_FLOOR, baseSize * MEDIUM_SHARE)) {
        this.rebuildBase();
        return;
      }
      this.medium = build(merged);
      this.recent = emptyLevel();
    } else {
      this.recent.automaton = build(this.recent.rules).automaton;
    }
    this.publish();
  }

  private rebuildBase(): void {
    this.base = build(new Map(this.live));
    this.medium = emptyLevel();
    this.recent = emptyLevel();
    this.publish();
  }

  private publish(): void {
    const layers: MatcherLayer<Id>[] = [];
    for (const level of [this.base, this.medium, this.recent]) {
      if (level.rules.size === 0) continue;
      // The Matcher gets its own copy: later changes must not reach a matcher already handed out.
      layers.push({
        automaton: level.automaton,
        excluded: level.stale.size > 0 ? new Set(level.stale) : undefined,
      });
    }
    this.current = Matcher.layered(layers, this.live.size);
  }
}

function build<Id>(rules: Map<Id, CompiledPattern>): Level<Id> {
  const automaton = new Automaton([...rules].map(([id, pattern]) => ({ id, pattern })));
  return { rules, automaton, stale: new Set() };
}
