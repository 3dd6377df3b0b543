// Actions and attempts: the unit of delivery, retry, tracking and dead-lettering (SPEC §1, STYLE §16).
import { sql, type Insertable, type Kysely, type UpdateQueryBuilder, type UpdateResult } from 'kysely';
import type { JsonValue } from '../../core/envelope.js';
import { idFloor, type ActionId, type EventId } from '../../core/ids.js';
import { INTERRUPTED_OUTCOME } from './interrupted-attempts.js';
import type {
  ActionFilter,
  ActionsRepo,
  AttemptSample,
  AttemptsRepo,
  ClaimCandidate,
  ClaimOptions,
  Lane,
  OrderingBlocker,
  Page,
  StoreKind,
  WakeOptions,
} from '../port.js';
import {
  ACTION_STATUSES,
  actionEndpoint,
  type ActionRecord,
  type ActionStatus,
  type AttemptRecord,
  type NewAction,
} from '../records.js';
import type { Database } from '../schema.js';
import { actionFromRow, attemptFromRow, toJson } from './codec.js';
import { idInOnce } from './id-in-once.js';
import { placeholderRow, QueryTemplate } from './query-template.js';
import {
  claimIds,
  countByStatus,
  deferAction,
  dueCandidates,
  dueInLanes,
  dueSelects,
  orderingBlocker,
  recentAttempts,
  skipEndpoints,
  wakeWaiting,
  LEASED,
  WAITING,
} from './waiting-actions.js';

export class KyselyActionsRepo implements ActionsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly kind: StoreKind,
  ) {}

  async insertMany(actions: readonly NewAction[], now: number): Promise<void> {
    // Chunks stay well under SQLite's bound-parameter limit (20 columns × 500 rows).
    for (let i = 0; i < actions.length; i += 500) await this.insertChunk(actions.slice(i, i + 500), now);
  }

  private async insertChunk(actions: readonly NewAction[], now: number): Promise<void> {
    if (actions.length === 0) return;
    await this.db
      .insertInto('actions')
      .values(
        actions.map((a) => ({
          id: a.id,
          org: a.org,
          event_id: a.eventId,
          rule_id: a.ruleId,
          rule_name: a.ruleName,
          target_index: a.targetIndex,
          target_type: a.targetType,
          target: toJson(a.target),
          route_seq: a.routeSeq,
          status: a.status ?? 'pending',
          last_error: a.lastError ?? null,
          completed_at: a.status === 'dead' ? now : null,
          max_attempts: a.maxAttempts,
          next_attempt_at: a.status === 'dead' ? null : a.nextAttemptAt,
          idempotency_key: a.idempotencyKey,
          created_at: now,
          updated_at: now,
          endpoint: actionEndpoint(a.target),
        })),
      )
      .execute();
  }

  async claimDue(now: number, limit: number, leaseMs: number, holder?: string): Promise<ActionRecord[]> {
    // Select and update must be one transaction: on PostgreSQL the selects lock their rows so a concurrent claimer
    // skips them; on SQLite the transaction keeps a second claimer from picking the same rows in between.
    if (!this.db.isTransaction) {
      return this.db
        .transaction()
        .execute((trx) => new KyselyActionsRepo(trx, this.kind).claimDue(now, limit, leaseMs, holder));
    }
    const { expired, waiting } = dueSelects(this.db, now, limit, { lock: this.kind });
    const lost = (await expired.select('id').execute()).map((r) => r.id as ActionId);
    const ids = [...lost, ...(await waiting.select('id').execute()).map((r) => r.id as ActionId)].slice(
      0,
      limit,
    );
    return claimIds(this.db, ids, now, leaseMs, holder, lost);
  }

  dueCandidates(now: number, limit: number, opts: ClaimOptions = {}): Promise<ClaimCandidate[]> {
    return dueCandidates(this.db, now, limit, opts);
  }

  dueInLanes(now: number, lanes: readonly Lane[], perLane: number): Promise<ClaimCandidate[]> {
    return dueInLanes(this.db, now, lanes, perLane);
  }

  claim(
    ids: readonly ActionId[],
    now: number,
    leaseMs: number,
    holder?: string,
    leaseLost: readonly ActionId[] = [],
  ): Promise<ActionRecord[]> {
    return claimIds(this.db, ids, now, leaseMs, holder, leaseLost);
  }

  async leaseHolders(now: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('actions')
      .select('leased_by')
      .distinct()
      .where(LEASED)
      .where('lease_until', '>', now)
      .where('leased_by', 'is not', null)
      .execute();
    return rows.map((r) => r.leased_by!);
  }

  async releaseHeldBy(holders: readonly string[], now: number): Promise<number> {
    if (holders.length === 0) return 0;
    const r = await this.db
      .updateTable('actions')
      .set({ lease_until: now, updated_at: now })
      .where(LEASED)
      .where('leased_by', 'in', holders)
      .where('lease_until', '>', now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async renewLeases(held: ReadonlyArray<{ id: ActionId; attempt: number }>, until: number): Promise<number> {
    let renewed = 0;
    // PostgreSQL: an action another transaction holds is skipped rather than waited for. The worker's outcomes are
    // settled in one transaction in the order their attempts ended, so waiting could deadlock with it whatever order
    // this takes; and an action being settled or claimed needs no longer lease (the next renewal comes in a third
    // of one).
    const renew = this.kind === 'postgres' ? RENEW_UNLOCKED_LEASE : RENEW_LEASE;
    for (const { id, attempt } of held) {
      const r = await renew.execute(this.db, this.kind, { id, attempt, until });
      renewed += Number(r.numAffectedRows ?? 0);
    }
    return renewed;
  }

  async succeed(id: ActionId, attempt: number, result: JsonValue, now: number): Promise<boolean> {
    const r = await SUCCEED.execute(this.db, this.kind, { id, attempt, result: toJson(result), now });
    return Number(r.numAffectedRows ?? 0) > 0;
  }

  async fail(
    id: ActionId,
    attempt: number,
    error: string,
    nextAttemptAt: number | null,
    now: number,
  ): Promise<boolean> {
    const r = await FAIL.execute(this.db, this.kind, {
      id,
      attempt,
      status: nextAttemptAt === null ? 'dead' : 'failed',
      error,
      nextAttemptAt,
      completedAt: nextAttemptAt === null ? now : null,
      now,
    });
    return Number(r.numAffectedRows ?? 0) > 0;
  }

  async retry(org: string, ids: readonly ActionId[], now: number): Promise<number> {
    if (ids.length === 0) return 0;
    // A dead action gets one more attempt (as Svix's "resend" does); if it fails it is dead again. A failed one,
    // still on its schedule, is only brought forward: it keeps the attempts it had left (one at least).
    const result = await this.db
      .updateTable('actions')
      .set((eb) => ({
        status: 'pending',
        next_attempt_at: now,
        completed_at: null,
        max_attempts: eb
          .case()
          .when(eb.or([eb('status', '=', 'dead'), eb('max_attempts', '<=', eb.ref('attempts'))]))
          .then(eb('attempts', '+', 1))
          .else(eb.ref('max_attempts'))
          .end(),
        updated_at: now,
      }))
      .where('org', '=', org)
      .where('id', 'in', ids)
      .where('status', 'in', ['failed', 'dead'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async get(org: string, id: ActionId): Promise<ActionRecord | undefined> {
    const row = await this.db
      .selectFrom('actions')
      .selectAll()
      .where('org', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && actionFromRow(row);
  }

  async listByEvent(org: string, eventId: EventId): Promise<ActionRecord[]> {
    const rows = await this.db
      .selectFrom('actions')
      .selectAll()
      .where('org', '=', org)
      .where('event_id', '=', eventId)
      .orderBy('id')
      .execute();
    return rows.map(actionFromRow);
  }

  async list(
    org: string,
    f: ActionFilter,
    page: { limit: number; before?: string },
  ): Promise<Page<ActionRecord>> {
    const newest = (status: ActionStatus | undefined) =>
      this.db
        .selectFrom('actions')
        .where('org', '=', org)
        .$if(f.eventId !== undefined, (q) => q.where('event_id', '=', f.eventId!))
        .$if(f.ruleId !== undefined, (q) => q.where('rule_id', '=', f.ruleId!))
        .$if(f.targetType !== undefined, (q) => q.where('target_type', '=', f.targetType!))
        // Dead as a literal: the predicate of the partial index actions_dead (migration 011), which a bound value
        // cannot be matched against. Not with an event: its own few actions (actions_org_event) are the shorter read.
        .$if(status !== undefined, (q) =>
          status === 'dead' && f.eventId === undefined
            ? q.where(sql<boolean>`status = 'dead'`)
            : q.where('status', '=', status!),
        )
        .$if(f.endpoint !== undefined, (q) => q.where('endpoint', '=', f.endpoint!))
        // By id (time-ordered): within the (org, endpoint, status, id) index, no row read outside the range.
        .$if(f.createdFrom !== undefined, (q) => q.where('id', '>=', idFloor('action', f.createdFrom!)))
        .$if(f.createdBefore !== undefined, (q) => q.where('id', '<', idFloor('action', f.createdBefore!)))
        .$if(page.before !== undefined, (q) => q.where('id', '<', page.before!))
        .orderBy('id', 'desc')
        .limit(page.limit + 1);
    // An endpoint's actions of every status: the newest ids of each status, read from actions_org_endpoint (org,
    // endpoint, status, id) alone, merged, and only the page's rows read in full. Asked as one query, the order by
    // id needs all of the endpoint's rows and a sort, so the planner walked the org's actions newest first and
    // filtered on endpoint: for a quiet endpoint among busy ones, the org's whole history (bench/actions-list).
    const rows =
      f.endpoint !== undefined && f.status === undefined
        ? await this.db
            .selectFrom('actions')
            .selectAll()
            .where('id', 'in', (eb) =>
              eb
                .selectFrom(
                  ACTION_STATUSES.map((s) => eb.selectFrom(newest(s).select('id').as('s')).select('id'))
                    .reduce((all, one) => all.unionAll(one))
                    .as('merged'),
                )
                .select('id')
                .orderBy('id', 'desc')
                .limit(page.limit + 1),
            )
            .orderBy('id', 'desc')
            .execute()
        : await newest(f.status).selectAll().execute();
    const items = rows.slice(0, page.limit).map(actionFromRow);
    return { items, next: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
  }

  async nextDueAt(opts: ClaimOptions & { after?: number } = {}): Promise<number | null> {
    // The first in due order rather than min(): with endpoints to skip, min() reads every waiting action, while
    // this stops at the first that qualifies.
    const waiting = await this.db
      .selectFrom('actions')
      .select('next_attempt_at as t')
      .where(WAITING)
      .where('next_attempt_at', 'is not', null)
      .$if(opts.after !== undefined, (q) => q.where('next_attempt_at', '>', opts.after!))
      .$call(skipEndpoints(opts))
      .orderBy('next_attempt_at')
      .limit(1)
      .executeTakeFirst();
    const leased = await this.db
      .selectFrom('actions')
      .select('lease_until as t')
      .where(LEASED)
      .where('lease_until', 'is not', null)
      .$if(opts.after !== undefined, (q) => q.where('lease_until', '>', opts.after!))
      .orderBy('lease_until')
      .limit(1)
      .executeTakeFirst();
    const times = [waiting?.t, leased?.t]
      .filter((t): t is number => t !== null && t !== undefined)
      .map(Number);
    return times.length ? Math.min(...times) : null;
  }

  defer(id: ActionId, until: number | null, reason: string, now: number, attempt?: number): Promise<void> {
    return deferAction(this.db, this.kind, id, until, reason, now, attempt);
  }

  wakeWaiting(org: string, endpoint: string, at: number, opts: WakeOptions = {}): Promise<ActionId[]> {
    return wakeWaiting(this.db, this.kind, org, endpoint, at, opts);
  }

  orderingBlocker(
    org: string,
    endpoint: string,
    id: ActionId,
    orderingKey: string,
    opts: { settled?: boolean } = {},
  ): Promise<OrderingBlocker | undefined> {
    return orderingBlocker(
      this.db,
      org,
      endpoint,
      id,
      orderingKey,
      opts.settled === true && this.kind === 'postgres',
    );
  }

  async setOrderingKey(id: ActionId, orderingKey: string): Promise<void> {
    await this.db.updateTable('actions').set({ ordering_key: orderingKey }).where('id', '=', id).execute();
  }

  countByStatus(
    org: string,
    filter: ActionFilter,
    only?: readonly ActionStatus[],
  ): Promise<Record<ActionStatus, number>> {
    return countByStatus(this.db, org, filter, only);
  }
}

/**
 * An attempt settles its action only while it still owns it: in flight, under the claim that counted this attempt.
 * An attempt that outlived its lease may have been overtaken by a later claim; its late outcome must not overwrite
 * the newer one (say, turn a succeeded action back into a failed one and send it again).
 */
function ownedBy(attempt: number) {
  return (q: ActionsUpdate): ActionsUpdate =>
    q.where('status', '=', 'in_flight').where('attempts', '=', attempt);
}

type ActionsUpdate = UpdateQueryBuilder<Database, 'actions', 'actions', UpdateResult>;

// The statements each delivery runs, as templates (see QueryTemplate).
const RENEW_LEASE = new QueryTemplate<{ id: ActionId; attempt: number; until: number }>((db, p) =>
  db.updateTable('actions').set({ lease_until: p.until }).where('id', '=', p.id).$call(ownedBy(p.attempt)),
);
const RENEW_UNLOCKED_LEASE = new QueryTemplate<{ id: ActionId; attempt: number; until: number }>((db, p) =>
  db
    .updateTable('actions')
    .set({ lease_until: p.until })
    .where(
      idInOnce(
        'postgres',
        db.selectFrom('actions').select('id').where('id', '=', p.id).forUpdate().skipLocked(),
      ),
    )
    .$call(ownedBy(p.attempt)),
);

const SUCCEED = new QueryTemplate<{ id: ActionId; attempt: number; result: string; now: number }>((db, p) =>
  db
    .updateTable('actions')
    .set({
      status: 'succeeded',
      result: p.result,
      last_error: null,
      lease_until: null,
      next_attempt_at: null,
      completed_at: p.now,
      updated_at: p.now,
      waiting: null,
    })
    .where('id', '=', p.id)
    .$call(ownedBy(p.attempt)),
);

const FAIL = new QueryTemplate<{
  id: ActionId;
  attempt: number;
  status: ActionStatus;
  error: string;
  nextAttemptAt: number | null;
  completedAt: number | null;
  now: number;
}>((db, p) =>
  db
    .updateTable('actions')
    .set({
      status: p.status,
      last_error: p.error,
      lease_until: null,
      next_attempt_at: p.nextAttemptAt,
      completed_at: p.completedAt,
      updated_at: p.now,
      waiting: null,
    })
    .where('id', '=', p.id)
    .$call(ownedBy(p.attempt)),
);

const ATTEMPT_COLUMNS = [
  'id',
  'action_id',
  'org',
  'number',
  'started_at',
  'latency_ms',
  'outcome',
  'status_code',
  'request',
  'response_headers',
  'response_body',
  'error',
  'endpoint',
] as const;

type AttemptRow = Required<Pick<Insertable<Database['attempts']>, (typeof ATTEMPT_COLUMNS)[number]>>;

const INSERT_ATTEMPT = new QueryTemplate<AttemptRow>((db, p) =>
  db.insertInto('attempts').values(placeholderRow(p, ATTEMPT_COLUMNS)),
);

export class KyselyAttemptsRepo implements AttemptsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly kind: StoreKind,
  ) {}

  async insert(a: AttemptRecord): Promise<void> {
    await INSERT_ATTEMPT.execute(this.db, this.kind, {
      id: a.id,
      action_id: a.actionId,
      org: a.org,
      number: a.number,
      started_at: a.startedAt,
      latency_ms: a.latencyMs,
      outcome: a.outcome,
      status_code: a.statusCode,
      request: toJson(a.request),
      response_headers: a.responseHeaders === null ? null : toJson(a.responseHeaders),
      response_body: a.responseBody,
      error: a.error,
      endpoint: a.endpoint,
    });
  }

  async dropInterrupted(org: string, actionId: ActionId, number: number): Promise<void> {
    await this.db
      .deleteFrom('attempts')
      .where('org', '=', org)
      .where('action_id', '=', actionId)
      .where('number', '=', number)
      .where('outcome', '=', INTERRUPTED_OUTCOME)
      .execute();
  }

  recentForEndpoint(org: string, endpoint: string, since: number, limit: number): Promise<AttemptSample[]> {
    return recentAttempts(this.db, org, endpoint, since, limit);
  }

  async listByAction(org: string, actionId: ActionId): Promise<AttemptRecord[]> {
    const rows = await this.db
      .selectFrom('attempts')
      .selectAll()
      .where('org', '=', org)
      .where('action_id', '=', actionId)
      .orderBy('number')
      .execute();
    return rows.map(attemptFromRow);
  }
}
