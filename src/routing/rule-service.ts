// Rule management: validation at save time (pattern, filter, targets — so a rule that saves is a rule that
// runs), storage, and invalidation of the compiled rules.
import { auditEntry, fieldsSet } from '../audit/index.js';
import type { Clock } from '../core/clock.js';
import { EventhookError, invalid } from '../core/errors.js';
import { assertVersion, recheckVersion } from '../core/version.js';
import type { JsonValue } from '../core/envelope.js';
import { isId, newId, ruleNameProblem, type RuleId } from '../core/ids.js';
import { invalidPatternPart, neverMatchingPart, validateRulePattern } from '../rules/index.js';
import type { Store } from '../store/port.js';
import type { Actor, RuleRecord } from '../store/records.js';
import type { Target } from '../targets/target-schema.js';
import { validateTargets } from '../targets/validate-targets.js';
import { compileFilter, type SandboxLimits } from '../transform/index.js';
import type { RuleCache } from './rule-cache.js';
import { checkTargetReferences, endpointStateWarnings } from './target-references.js';

export interface RuleInput {
  name: string;
  description?: string;
  enabled?: boolean;
  pattern: JsonValue;
  filter?: string | null;
  targets: JsonValue[];
}

export class RuleService {
  constructor(
    private readonly store: Store,
    private readonly cache: RuleCache,
    private readonly clock: Clock,
    private readonly limits: SandboxLimits,
  ) {}

  async create(org: string, input: RuleInput, by: Actor): Promise<RuleRecord> {
    const targets = this.validate(input);
    const now = this.clock.now();
    const record: RuleRecord = {
      id: newId('rule', now),
      org,
      name: input.name,
      description: input.description ?? '',
      enabled: input.enabled ?? true,
      pattern: input.pattern,
      filter: input.filter ?? null,
      targets: input.targets,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    };
    // The names the targets use are checked in the transaction that saves the rule: an endpoint being deleted at the
    // same moment is either still there once the rule is committed, or seen gone here (EndpointService.delete).
    await this.store.transaction(async (tx) => {
      await checkTargetReferences(tx, org, targets, { endpoints: true, settled: true });
      await tx.rules.insert(record);
      await tx.auditLog.insert(
        auditEntry('rule', record, { action: 'created', fields: fieldsSet(input), actor: by, at: now }),
      );
    });
    this.cache.invalidate(org);
    return record;
  }

  /**
   * Applies a partial update; omitted fields keep their value, `filter: null` removes the filter. With `expected`
   * (the version the caller read) it is refused if the rule has changed since (EH_VERSION_MISMATCH).
   */
  async update(
    org: string,
    ref: string,
    patch: Partial<RuleInput>,
    by: Actor,
    expected?: number,
  ): Promise<RuleRecord> {
    const current = await this.get(org, ref);
    assertVersion('Rule', current.name, current.updatedAt, expected);
    const next: RuleRecord = {
      ...current,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      ...(patch.pattern !== undefined ? { pattern: patch.pattern } : {}),
      ...(patch.filter !== undefined ? { filter: patch.filter } : {}),
      ...(patch.targets !== undefined ? { targets: patch.targets } : {}),
      // updatedAt is the version the save is conditional on: it must move even within one millisecond.
      updatedAt: Math.max(this.clock.now(), current.updatedAt + 1),
    };
    // The endpoints named are checked only when the targets change: a rule whose endpoint was deleted since (before
    // deletion checked for rules using it) can still be renamed or disabled. So is the pattern: a rule an older
    // version saved with a pattern today's checks refuse (its reads warn of it) can still be disabled or renamed.
    const targets = this.validate({ ...next, filter: next.filter }, { pattern: patch.pattern !== undefined });
    // Saved only if nobody changed or deleted the rule since it was read (a PATCH racing a DELETE must not revive it).
    const saved = await this.store.transaction(async (tx) => {
      await checkTargetReferences(tx, org, targets, {
        endpoints: patch.targets !== undefined,
        settled: true,
      });
      const done = await tx.rules.update(next, current.updatedAt);
      if (done)
        await tx.auditLog.insert(
          auditEntry('rule', next, {
            action: 'updated',
            fields: fieldsSet(patch),
            actor: by,
            at: next.updatedAt,
          }),
        );
      return done;
    });
    if (!saved) {
      // The version was right when read: a change in between is the caller's lost update as much as a wrong one.
      await recheckVersion('Rule', current.name, expected, () => this.get(org, current.id));
      throw new EventhookError('EH_CONCURRENT_CHANGE', { resource: 'Rule', name: current.name });
    }
    this.cache.invalidate(org);
    return next;
  }

  /**
   * What a saved rule's author should know though it saved: its webhook targets whose endpoint is paused or disabled
   * (their deliveries wait). Read after the save, as advice: the endpoint may change at any moment either way. (A
   * saved pattern passed validateRulePattern, so patternWarnings has nothing to add here.)
   */
  warnings(rule: RuleRecord): Promise<string[]> {
    return endpointStateWarnings(this.store, rule.org, rule.targets as unknown[]);
  }

  /** A rule by id (`rule_…`) or by name; deleted rules stay readable by id. */
  async get(org: string, ref: string, opts: { includeDeleted?: boolean } = {}): Promise<RuleRecord> {
    const rule = isId('rule', ref)
      ? await this.store.rules.get(org, ref, opts)
      : (await this.store.rules.list(org)).find((r) => r.name === ref);
    if (!rule) throw new EventhookError('EH_RULE_NOT_FOUND', { rule: ref });
    return rule;
  }

  list(org: string, opts: { includeDeleted?: boolean } = {}): Promise<RuleRecord[]> {
    return this.store.rules.list(org, opts);
  }

  /** Soft delete; with `expected`, only while the rule is still at that version (EH_VERSION_MISMATCH otherwise). */
  async delete(org: string, ref: string, by: Actor, expected?: number): Promise<void> {
    const rule = await this.get(org, ref);
    assertVersion('Rule', rule.name, rule.updatedAt, expected);
    const now = this.clock.now();
    const deleted = await this.store.transaction(async (tx) => {
      const done = await tx.rules.softDelete(org, rule.id as RuleId, now, expected);
      if (done) await tx.auditLog.insert(auditEntry('rule', rule, { action: 'deleted', actor: by, at: now }));
      return done;
    });
    if (!deleted) await recheckVersion('Rule', rule.name, expected, () => this.get(org, rule.id));
    this.cache.invalidate(org);
  }

  /** What can be checked without the store; the targets' references are checked in the saving transaction. */
  private validate(input: RuleInput, check = { pattern: true }): Target[] {
    const nameProblem = ruleNameProblem(input.name);
    if (nameProblem !== undefined) throw invalid([{ path: '/name', message: nameProblem }]);
    if (check.pattern) validateRulePattern(input.pattern, '/pattern');
    if (input.filter) compileFilter(input.filter, '/filter', this.limits).dispose?.();
    return validateTargets(input.targets, '/targets', this.limits);
  }
}

/**
 * A stored rule's pattern part that can never match, which saving it today would refuse (a header name with capitals,
 * null or a number for a text field, a field the envelope does not have): rules saved before those checks keep them
 * and are routed as they were, so the rule's author is told wherever the rule is shown. Likewise a pattern that no
 * longer compiles at all, whose rule routes nothing.
 */
export function patternWarnings(rule: Pick<RuleRecord, 'pattern'>): string[] {
  // A pattern an older version accepted that no longer compiles (a `cidr` with a leading zero in a part): the rule
  // cache leaves the rule out, so it routes nothing.
  const broken = invalidPatternPart(rule.pattern);
  if (broken !== undefined)
    return [
      `${broken} (this pattern no longer compiles: the rule routes nothing until it is fixed, and saving this pattern now would be refused)`,
    ];
  const part = neverMatchingPart(rule.pattern);
  return part === undefined
    ? []
    : [`${part} (this part of the pattern can never match; saving this pattern now would be refused)`];
}
