// Replay and retry (issue 5 §2–3): stored events go through the *current* rules again as new actions; failed or
// dead actions get another attempt. Old actions and attempts are never touched.
import type { Clock } from '../core/clock.js';
import { EventhookError, invalid } from '../core/errors.js';
import type { ActionId, EventId } from '../core/ids.js';
import type { ActionFilter, EventFilter, Store } from '../store/port.js';
import type { ActionRecord } from '../store/records.js';

/** Bulk operations stop after this many items; the caller narrows the filter or repeats. */
export const MAX_BULK = 10_000;
const PAGE = 500;

export interface BulkResult {
  /** How many matched (dry run) or were changed. */
  count: number;
  dryRun: boolean;
  /** True when more items matched than `limit` allowed. */
  truncated: boolean;
  /** Actions retry leaves alone: dead before they ran (their rule's filter failed), so only a replay routes them. */
  skipped?: number;
}

/**
 * Born dead by the router (the rule's filter threw or does not compile): retrying would run the target as if the
 * filter had passed. Any action that was attempted has at least one attempt.
 */
function neverRan(a: ActionRecord): boolean {
  return a.status === 'dead' && a.attempts === 0;
}

export class ReplayService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Wakes the router or the action worker in this process after a change. */
    private readonly kick: { router(): void; actions(): void },
  ) {}

  async replayEvent(org: string, id: string, opts: { freshKeys?: boolean } = {}): Promise<void> {
    const event = await this.store.events.get(org, id as EventId);
    if (!event) throw new EventhookError('EH_EVENT_NOT_FOUND', { event: id });
    if (event.status === 'rejected') {
      throw new EventhookError('EH_EVENT_INVALID', {
        message: `event ${id} was rejected at ingest and is never routed`,
      });
    }
    // A pending event is about to be routed anyway: nothing to do.
    if (event.status !== 'pending') await this.store.events.requeue(org, [event.id], opts);
    this.kick.router();
  }

  async replayEvents(
    org: string,
    filter: EventFilter,
    opts: { dryRun?: boolean; limit?: number; freshKeys?: boolean; all?: boolean },
  ): Promise<BulkResult> {
    checkScope(filter, opts.all, 'source, type, status, since, until, q, body', 'replay every event');
    const limit = Math.min(opts.limit ?? MAX_BULK, MAX_BULK);
    const routable = { ...filter };
    const ids: EventId[] = [];
    let truncated = false;
    let before: string | undefined;
    for (;;) {
      const page = await this.store.events.list(org, routable, { limit: PAGE, before });
      for (const e of page.items) {
        if (e.status === 'rejected' || e.status === 'pending') continue;
        if (ids.length === limit) {
          truncated = true;
          break;
        }
        ids.push(e.id);
      }
      if (truncated || page.next === null) break;
      before = page.next;
    }
    if (opts.dryRun) return { count: ids.length, dryRun: true, truncated };
    let count = 0;
    for (let i = 0; i < ids.length; i += PAGE) {
      count += await this.store.events.requeue(org, ids.slice(i, i + PAGE), { freshKeys: opts.freshKeys });
    }
    this.kick.router();
    return { count, dryRun: false, truncated };
  }

  async retryAction(org: string, id: string): Promise<void> {
    const action = await this.store.actions.get(org, id as ActionId);
    if (!action) throw new EventhookError('EH_ACTION_NOT_FOUND', { action: id });
    if (action.status !== 'failed' && action.status !== 'dead') {
      throw new EventhookError('EH_ACTION_NOT_RETRIABLE', { action: id, status: action.status });
    }
    if (neverRan(action))
      throw new EventhookError('EH_ACTION_NEVER_RAN', { action: id, reason: action.lastError ?? 'dead' });
    await this.store.actions.retry(org, [action.id], this.clock.now());
    this.kick.actions();
  }

  async retryActions(
    org: string,
    filter: ActionFilter,
    opts: { dryRun?: boolean; limit?: number; all?: boolean },
  ): Promise<BulkResult> {
    checkScope(filter, opts.all, 'status, rule, endpoint, event, targetType', 'retry every dead action');
    const limit = Math.min(opts.limit ?? MAX_BULK, MAX_BULK);
    const statuses = filter.status ? [filter.status] : (['dead'] as const);
    if (statuses.some((s) => s !== 'failed' && s !== 'dead')) {
      throw invalid([{ path: '/filter/status', message: 'only failed or dead actions can be retried' }]);
    }
    const ids: ActionId[] = [];
    let skipped = 0;
    let truncated = false;
    let before: string | undefined;
    for (;;) {
      const page = await this.store.actions.list(
        org,
        { ...filter, status: statuses[0] },
        { limit: PAGE, before },
      );
      for (const a of page.items) {
        if (ids.length === limit) {
          truncated = true;
          break;
        }
        if (neverRan(a)) skipped++;
        else ids.push(a.id);
      }
      if (truncated || page.next === null) break;
      before = page.next;
    }
    // Said only when some were left alone: the answer is then what it always was.
    const left = skipped > 0 ? { skipped } : {};
    if (opts.dryRun) return { count: ids.length, dryRun: true, truncated, ...left };
    let count = 0;
    const now = this.clock.now();
    for (let i = 0; i < ids.length; i += PAGE)
      count += await this.store.actions.retry(org, ids.slice(i, i + PAGE), now);
    this.kick.actions();
    return { count, dryRun: false, truncated, ...left };
  }
}

/**
 * A bulk call acts on the whole org only when it says so (`all: true`): an empty filter is more often a filter built
 * from values that turned out missing than a wish to replay or retry everything. A dry run is held to the same rule,
 * so it refuses what the real run would. `all` with a filter is refused too, rather than read one way or the other.
 */
function checkScope(filter: object, all: boolean | undefined, fields: string, what: string): void {
  const empty = Object.values(filter).every((v) => v === undefined);
  if (empty && all !== true)
    throw invalid([
      { path: '/filter', message: `is empty: give at least one of ${fields}, or all: true to ${what}` },
    ]);
  if (!empty && all === true)
    throw invalid([{ path: '/all', message: `cannot be combined with a filter: all: true would ${what}` }]);
}
