// Grant management: the receiving org lets another org publish into it through event_bus targets (SPEC §7).
// Grants are checked when an action publishes, not when a rule is saved, and read from the store in the transaction
// that commits the published event (no cache), so creating, changing or deleting one takes effect for the very next
// publication.
import { auditEntry, fieldsSet } from '../audit/index.js';
import type { Clock } from '../core/clock.js';
import { EventhookError, invalid, type FieldIssue } from '../core/errors.js';
import { isId, newId } from '../core/ids.js';
import { assertVersion, recheckVersion } from '../core/version.js';
import type { Store } from '../store/port.js';
import type { Actor, GrantRecord } from '../store/records.js';
import { eventTypePatternProblem, MAX_GRANT_EVENT_TYPES } from './grant-match.js';

export interface GrantInput {
  /** The slug of the org allowed to publish. */
  fromOrg: string;
  /** Omitted: every type. */
  eventTypes?: string[];
  description?: string;
}

/**
 * A change to a grant: what is given changes, the rest stays. `eventTypes` null allows every type. `fromOrg` is
 * refused when given: a grant is what one org may do, and another org's is a grant of its own.
 */
export interface GrantChange {
  eventTypes?: string[] | null;
  description?: string;
  fromOrg?: string;
}

export class GrantService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Throws EH_GRANT_INVALID naming every offending field. */
  async create(org: string, input: GrantInput, by: Actor): Promise<GrantRecord> {
    const issues: FieldIssue[] = [];
    if (input.fromOrg === org)
      issues.push({ path: '/fromOrg', message: 'an org needs no grant to publish into itself' });
    else if (!(await this.store.orgs.get(input.fromOrg)))
      issues.push({ path: '/fromOrg', message: `org ${input.fromOrg} does not exist` });
    if (input.eventTypes !== undefined)
      issues.push(...eventTypesIssues(input.eventTypes, 'omit it to allow every type'));
    if (issues.length > 0) throw invalid(issues, 'EH_GRANT_INVALID');
    const now = this.clock.now();
    const record: GrantRecord = {
      id: newId('grant', now),
      org,
      fromOrg: input.fromOrg,
      eventTypes: input.eventTypes === undefined ? null : [...new Set(input.eventTypes)],
      description: input.description ?? '',
      createdAt: now,
      updatedAt: now,
    };
    await this.store.transaction(async (tx) => {
      await tx.grants.insert(record);
      await tx.auditLog.insert(
        auditEntry('grant', named(record), {
          action: 'created',
          fields: fieldsSet(input),
          actor: by,
          at: now,
        }),
      );
    });
    return record;
  }

  list(org: string): Promise<GrantRecord[]> {
    return this.store.grants.list(org);
  }

  async get(org: string, ref: string): Promise<GrantRecord> {
    const grant = isId('grant', ref) ? await this.store.grants.get(org, ref) : undefined;
    if (!grant) throw new EventhookError('EH_GRANT_NOT_FOUND', { grant: ref });
    return grant;
  }

  /**
   * Applies a partial change (EH_GRANT_NOT_FOUND, then EH_GRANT_INVALID naming every offending field). Saved only
   * if nobody changed or deleted the grant since it was read (EH_CONCURRENT_CHANGE otherwise), as rules are; with
   * `expected` (the version the caller read), only if that is still the grant's version (EH_VERSION_MISMATCH).
   */
  async update(
    org: string,
    ref: string,
    patch: GrantChange,
    by: Actor,
    expected?: number,
  ): Promise<GrantRecord> {
    const current = await this.get(org, ref);
    assertVersion('Grant', current.id, current.updatedAt, expected);
    const issues: FieldIssue[] = [];
    if (patch.fromOrg !== undefined)
      issues.push({
        path: '/fromOrg',
        message:
          `cannot be changed: this grant lets org ${current.fromOrg} publish; to let another org publish, ` +
          'give it a grant of its own (and delete this one if need be)',
      });
    if (patch.eventTypes !== undefined && patch.eventTypes !== null)
      issues.push(...eventTypesIssues(patch.eventTypes, 'null allows every type'));
    if (issues.length > 0) throw invalid(issues, 'EH_GRANT_INVALID');
    const next: GrantRecord = {
      ...current,
      ...(patch.eventTypes !== undefined
        ? { eventTypes: patch.eventTypes === null ? null : [...new Set(patch.eventTypes)] }
        : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      // updatedAt is the version the save is conditional on: it must move even within one millisecond.
      updatedAt: Math.max(this.clock.now(), current.updatedAt + 1),
    };
    const saved = await this.store.transaction(async (tx) => {
      const done = await tx.grants.update(next, current.updatedAt);
      if (done)
        await tx.auditLog.insert(
          auditEntry('grant', named(next), {
            action: 'updated',
            fields: fieldsSet(patch),
            actor: by,
            at: next.updatedAt,
          }),
        );
      return done;
    });
    if (!saved) {
      await recheckVersion('Grant', ref, expected, () => this.get(org, ref));
      throw new EventhookError('EH_CONCURRENT_CHANGE', { resource: 'Grant', name: current.id });
    }
    return next;
  }

  /** With `expected`, only while the grant is still at that version (EH_VERSION_MISMATCH otherwise). */
  async delete(org: string, ref: string, by: Actor, expected?: number): Promise<void> {
    const now = this.clock.now();
    const deleted =
      isId('grant', ref) &&
      (await this.store.transaction(async (tx) => {
        const current = await tx.grants.get(org, ref);
        if (!current || !(await tx.grants.delete(org, ref, expected))) return false;
        await tx.auditLog.insert(
          auditEntry('grant', named(current), { action: 'deleted', actor: by, at: now }),
        );
        return true;
      }));
    if (!deleted) {
      await recheckVersion('Grant', ref, expected, () => this.get(org, ref));
      throw new EventhookError('EH_GRANT_NOT_FOUND', { grant: ref });
    }
  }
}

/** A grant is named by the org it lets publish: "the grant to partner". */
const named = (grant: GrantRecord) => ({ ...grant, name: grant.fromOrg });

/** What is wrong with a grant's list of event types (schema-checked already; kept for callers that are not HTTP). */
function eventTypesIssues(eventTypes: string[], allowEvery: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (eventTypes.length === 0 || eventTypes.length > MAX_GRANT_EVENT_TYPES)
    issues.push({
      path: '/eventTypes',
      message: `must list 1 to ${MAX_GRANT_EVENT_TYPES} types; ${allowEvery}`,
    });
  eventTypes.forEach((pattern, i) => {
    const problem = eventTypePatternProblem(pattern);
    if (problem) issues.push({ path: `/eventTypes/${i}`, message: problem });
  });
  return issues;
}
