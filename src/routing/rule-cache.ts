// Compiled rules per org: one Matcher over every enabled rule's pattern plus the compiled filters. Rebuilt when
// the org's rules version moves (checked at most once per second, or at once after a local change), then swapped
// in whole, so routing never sees a half-built rule set (STYLE §11).
import type { Clock } from '../core/clock.js';
import type { RuleId } from '../core/ids.js';
import { Matcher } from '../rules/index.js';
import type { Store } from '../store/port.js';
import type { RuleRecord } from '../store/records.js';
import { compileFilter, type CompiledFilter, type SandboxLimits } from '../transform/index.js';

export interface CompiledRule {
  record: RuleRecord;
  filter: CompiledFilter | null;
}

export interface CompiledRuleSet {
  version: number;
  matcher: Matcher<RuleId>;
  rules: ReadonlyMap<RuleId, CompiledRule>;
}

const CHECK_EVERY_MS = 1000;

export class RuleCache {
  private readonly sets = new Map<string, { set: CompiledRuleSet; checkedAt: number }>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly limits: SandboxLimits,
  ) {}

  /** The org's compiled rules, rebuilt first when they changed. */
  async get(org: string): Promise<CompiledRuleSet> {
    const now = this.clock.now();
    const cached = this.sets.get(org);
    if (cached && now - cached.checkedAt < CHECK_EVERY_MS) return cached.set;
    const version = (await this.store.orgs.get(org))?.rulesVersion ?? -1;
    if (cached && cached.set.version === version) {
      cached.checkedAt = now;
      return cached.set;
    }
    const set = this.compile(version, await this.store.rules.list(org));
    if (cached) disposeAll(cached.set);
    this.sets.set(org, { set, checkedAt: now });
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

  private compile(version: number, records: RuleRecord[]): CompiledRuleSet {
    const rules = new Map<RuleId, CompiledRule>();
    for (const record of records) {
      if (!record.enabled) continue;
      rules.set(record.id, {
        record,
        filter: record.filter ? compileFilter(record.filter, '/filter', this.limits) : null,
      });
    }
    const matcher = Matcher.build(
      [...rules.values()].map((r) => ({ id: r.record.id, pattern: r.record.pattern })),
    );
    return { version, matcher, rules };
  }
}

function disposeAll(set: CompiledRuleSet): void {
  for (const r of set.rules.values()) r.filter?.dispose?.();
}
