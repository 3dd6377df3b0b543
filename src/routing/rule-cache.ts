// Compiled rules per org: one Matcher over every enabled rule's pattern plus the compiled filters. Rebuilt when
// the org's rules version moves (checked at most once per second, or at once after a local change), then swapped
// in whole, so routing never sees a half-built rule set (STYLE §11).
import type { Clock } from '../core/clock.js';
import type { RuleId } from '../core/ids.js';
import { Matcher, neverMatchingPart } from '../rules/index.js';
import type { Store } from '../store/port.js';
import type { RuleRecord } from '../store/records.js';
import { compileFilter, type CompiledFilter, type SandboxLimits } from '../transform/index.js';

export interface CompiledRule {
  record: RuleRecord;
  filter: CompiledFilter | null;
  /** Why the rule's stored filter does not compile (an upgrade tightened the language): its actions are born dead. */
  filterError?: string;
}

/**
 * Told about a stored rule that no longer compiles (`pattern`, `filter`), or whose pattern has a part that can never
 * match (`unmatchable`; the rule is routed still), once per rebuild of its org's rules.
 */
export type BrokenRuleLog = (
  rule: RuleRecord,
  part: 'pattern' | 'filter' | 'unmatchable',
  err: unknown,
) => void;

export interface CompiledRuleSet {
  version: number;
  matcher: Matcher<RuleId>;
  rules: ReadonlyMap<RuleId, CompiledRule>;
}

const CHECK_EVERY_MS = 1000;
/**
 * An org's compiled rules not asked for this long are dropped, their filters' QuickJS runtimes freed: a deleted org's
 * are never asked for again. An org whose events come again has its rules compiled anew (milliseconds).
 */
export const DROP_UNUSED_MS = 10 * 60_000;

export class RuleCache {
  private readonly sets = new Map<string, { set: CompiledRuleSet; checkedAt: number; usedAt: number }>();
  private sweptAt: number;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly limits: SandboxLimits,
    private readonly onBroken: BrokenRuleLog = () => {},
  ) {
    this.sweptAt = clock.now();
  }

  /** Orgs whose compiled rules are kept. */
  get size(): number {
    return this.sets.size;
  }

  /** The org's compiled rules, rebuilt first when they changed. */
  async get(org: string): Promise<CompiledRuleSet> {
    const now = this.clock.now();
    this.dropUnused(now);
    const cached = this.sets.get(org);
    if (cached) cached.usedAt = now;
    if (cached && now - cached.checkedAt < CHECK_EVERY_MS) return cached.set;
    const version = (await this.store.orgs.get(org))?.rulesVersion ?? -1;
    if (cached && cached.set.version === version) {
      cached.checkedAt = now;
      return cached.set;
    }
    const set = this.compile(version, await this.store.rules.list(org));
    const current = this.sets.get(org);
    if (current) disposeAll(current.set);
    this.sets.set(org, { set, checkedAt: now, usedAt: now });
    return set;
  }

  /** Forces a version check on the next get() (called by the API after a rule change in this process). */
  invalidate(org: string): void {
    const cached = this.sets.get(org);
    if (cached) cached.checkedAt = -Infinity;
  }

  dispose(): void {
    for (const { set } of this.sets.values()) disposeAll(set);
    this.sets.clear();
  }

  /** Drops the orgs not asked for in DROP_UNUSED_MS; looks at most that often. */
  private dropUnused(now: number): void {
    if (now - this.sweptAt < DROP_UNUSED_MS) return;
    this.sweptAt = now;
    for (const [org, cached] of this.sets) {
      if (now - cached.usedAt < DROP_UNUSED_MS) continue;
      this.sets.delete(org);
      disposeAll(cached.set);
    }
  }

  /**
   * Each rule compiles on its own: one stored rule that no longer compiles must not stop routing for the rest of its
   * org. Its filter failing makes its actions dead (visible; replaying the event after a fix routes it again); its
   * pattern failing leaves it out.
   */
  private compile(version: number, records: RuleRecord[]): CompiledRuleSet {
    const rules = new Map<RuleId, CompiledRule>();
    for (const record of records) {
      if (!record.enabled) continue;
      rules.set(record.id, this.withFilter(record));
      const never = neverMatchingPart(record.pattern);
      if (never !== undefined) this.onBroken(record, 'unmatchable', new Error(never));
    }
    const matcher = Matcher.build(
      [...rules.values()].map((r) => ({ id: r.record.id, pattern: r.record.pattern })),
      (id, err) => {
        const broken = rules.get(id)!;
        rules.delete(id);
        broken.filter?.dispose?.();
        this.onBroken(broken.record, 'pattern', err);
      },
    );
    return { version, matcher, rules };
  }

  private withFilter(record: RuleRecord): CompiledRule {
    if (!record.filter) return { record, filter: null };
    try {
      return { record, filter: compileFilter(record.filter, '/filter', this.limits) };
    } catch (err) {
      this.onBroken(record, 'filter', err);
      return { record, filter: null, filterError: `filter does not compile: ${(err as Error).message}` };
    }
  }
}

function disposeAll(set: CompiledRuleSet): void {
  for (const r of set.rules.values()) r.filter?.dispose?.();
}
