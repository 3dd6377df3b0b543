// Grant management: the receiving org lets another org publish into it through event_bus targets (SPEC §7).
// Grants are checked when an action publishes, not when a rule is saved, so creating or deleting one takes effect
// for the very next publication.
import type { Clock } from '../core/clock.js';
import { EventhookError, invalid, type FieldIssue } from '../core/errors.js';
import { isId, newId } from '../core/ids.js';
import type { Store } from '../store/port.js';
import type { GrantRecord } from '../store/records.js';
import { eventTypePatternProblem, MAX_GRANT_EVENT_TYPES } from './grant-match.js';

export interface GrantInput {
  /** The slug of the org allowed to publish. */
  fromOrg: string;
  /** Omitted: every type. */
  eventTypes?: string[];
  description?: string;
}

export class GrantService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Throws EH_GRANT_INVALID naming every offending field. */
  async create(org: string, input: GrantInput): Promise<GrantRecord> {
    const issues: FieldIssue[] = [];
    if (input.fromOrg === org)
      issues.push({ path: '/fromOrg', message: 'an org needs no grant to publish into itself' });
    else if (!(await this.store.orgs.get(input.fromOrg)))
      issues.push({ path: '/fromOrg', message: `org ${input.fromOrg} does not exist` });
    if (input.eventTypes !== undefined) {
      if (input.eventTypes.length === 0 || input.eventTypes.length > MAX_GRANT_EVENT_TYPES)
        issues.push({
          path: '/eventTypes',
          message: `must list 1 to ${MAX_GRANT_EVENT_TYPES} types; omit it to allow every type`,
        });
      input.eventTypes.forEach((pattern, i) => {
        const problem = eventTypePatternProblem(pattern);
        if (problem) issues.push({ path: `/eventTypes/${i}`, message: problem });
      });
    }
    if (issues.length > 0) throw invalid(issues, 'EH_GRANT_INVALID');
    const now = this.clock.now();
    const record: GrantRecord = {
      id: newId('grant', now),
      org,
      fromOrg: input.fromOrg,
      eventTypes: input.eventTypes === undefined ? null : [...new Set(input.eventTypes)],
      description: input.description ?? '',
      createdAt: now,
    };
    await this.store.transaction((tx) => tx.grants.insert(record));
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

  async delete(org: string, ref: string): Promise<void> {
    const deleted = isId('grant', ref) && (await this.store.transaction((tx) => tx.grants.delete(org, ref)));
    if (!deleted) throw new EventhookError('EH_GRANT_NOT_FOUND', { grant: ref });
  }
}
