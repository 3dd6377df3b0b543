// Queries behind outbound delivery: actions that wait without using an attempt, FIFO lanes, and endpoint health.
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import { idFloor, type ActionId } from '../../core/ids.js';
import type {
  ActionFilter,
  AttemptSample,
  ClaimCandidate,
  ClaimOptions,
  Lane,
  OrderingBlocker,
  StoreKind,
  WakeOptions,
} from '../port.js';
import type { ActionRecord, ActionStatus } from '../records.js';
import type { Database } from '../schema.js';
import { actionFromRow } from './codec.js';
import { idInOnce } from './id-in-once.js';
import { lostLeases, recordInterrupted } from './interrupted-attempts.js';
import { QueryTemplate } from './query-template.js';

const UNFINISHED = ['pending', 'in_flight', 'failed'] as const;
const WAITABLE = ['pending', 'failed'] as const;

/** Leaves out the actions of the endpoints in `skip`: `not (org = ? and endpoint = ?)` for each. */
export function skipEndpoints(opts: ClaimOptions) {
  return <O>(q: ActionsQuery<O>): ActionsQuery<O> => {
    const skip = opts.skip ?? [];
    if (skip.length === 0) return q;
    return q.where((eb) =>
      eb.and(
        skip.map((s) =>
          eb.or([eb('org', '!=', s.org), eb('endpoint', 'is', null), eb('endpoint', '!=', s.endpoint)]),
        ),
      ),
    );
  };
}

type ActionsQuery<O> = SelectQueryBuilder<Database, 'actions', O>;

/**
 * Actions waiting for their next attempt (pending or failed). Written as a literal, not bound parameters, so the
 * database can use the partial index actions_waiting_due, whose predicate is exactly this (migration 004).
 */
export const WAITING = sql<boolean>`status in ('pending', 'failed')`;

/** Actions in flight under a lease, as a literal for the same reason (partial index actions_leased_lane). */
export const LEASED = sql<boolean>`status = 'in_flight'`;

/** An endpoint's unfinished actions, as the predicate of the actions_unfinished_lane index (migration 007). */
const UNFINISHED_OF_ENDPOINT = sql<boolean>`status in ('pending', 'in_flight', 'failed') and endpoint is not null`;

/**
 * The due actions, oldest first, in two index-ordered reads rather than one OR that must sort the whole backlog:
 * in flight under an expired lease (their worker died), then waiting and due by `now`.
 */
export function dueSelects(
  db: Kysely<Database>,
  now: number,
  limit: number,
  opts: ClaimOptions & { lock?: StoreKind },
) {
  // PostgreSQL claimers lock what they select and skip rows another claimer holds; SQLite has one writer anyway.
  const lock = <O>(q: ActionsQuery<O>) => (opts.lock === 'postgres' ? q.forUpdate().skipLocked() : q);
  const expired = db
    .selectFrom('actions')
    .where(LEASED)
    .where('lease_until', '<', now)
    .$call(skipEndpoints(opts))
    .orderBy('lease_until')
    .limit(limit);
  const waiting = db
    .selectFrom('actions')
    .where(WAITING)
    .where('next_attempt_at', '<=', now)
    .$call(skipEndpoints(opts))
    .orderBy('next_attempt_at')
    .limit(limit);
  return { expired: lock(expired), waiting: lock(waiting) };
}

export async function dueCandidates(
  db: Kysely<Database>,
  now: number,
  limit: number,
  opts: ClaimOptions,
): Promise<ClaimCandidate[]> {
  const { expired, waiting } = dueSelects(db, now, limit, opts);
  const columns = ['id', 'org', 'endpoint'] as const;
  const rows = [
    ...(await expired.select(columns).execute()).map((r) => ({ ...r, leaseLost: true })),
    ...(await waiting.select(columns).execute()),
  ].slice(0, limit);
  return rows.map((r) => ({
    id: r.id as ActionId,
    org: r.org,
    endpoint: r.endpoint,
    ...('leaseLost' in r ? { leaseLost: true } : {}),
  }));
}

export async function dueInLanes(
  db: Kysely<Database>,
  now: number,
  lanes: readonly Lane[],
  perLane: number,
): Promise<ClaimCandidate[]> {
  const rows: Array<{ id: string; org: string; endpoint: string | null; due: number }> = [];
  for (const lane of lanes) {
    const got = await db
      .selectFrom('actions')
      .select(['id', 'org', 'endpoint', 'next_attempt_at as due'])
      .where(WAITING)
      .where('org', '=', lane.org)
      .where('endpoint', lane.endpoint === null ? 'is' : '=', lane.endpoint)
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(perLane)
      .execute();
    for (const r of got) rows.push({ ...r, due: Number(r.due) });
  }
  rows.sort((a, b) => a.due - b.due);
  return rows.map((r) => ({ id: r.id as ActionId, org: r.org, endpoint: r.endpoint }));
}

/** The claim itself re-checks that each action is still due, so two claimers never both get one. */
export async function claimIds(
  db: Kysely<Database>,
  ids: readonly ActionId[],
  now: number,
  leaseMs: number,
  holder?: string,
  leaseLost: readonly ActionId[] = [],
): Promise<ActionRecord[]> {
  if (ids.length === 0) return [];
  const lost = await lostLeases(db, leaseLost, now);
  const rows = await db
    .updateTable('actions')
    .set((eb) => ({
      status: 'in_flight',
      lease_until: now + leaseMs,
      leased_by: holder ?? null,
      attempts: eb('attempts', '+', 1),
      updated_at: now,
    }))
    .where('id', 'in', ids)
    .where((eb) =>
      eb.or([
        eb.and([eb('status', 'in', WAITABLE), eb('next_attempt_at', '<=', now)]),
        eb.and([eb('status', '=', 'in_flight'), eb('lease_until', '<', now)]),
      ]),
    )
    .returningAll()
    .execute();
  const claimed = rows.map(actionFromRow).sort((a, b) => (a.id < b.id ? -1 : 1));
  if (lost.size > 0) await recordInterrupted(db, claimed, lost, now);
  return claimed;
}

/**
 * Undoes a claim: the attempt the claim counted is given back, and the action waits for `reason`. With `attempt`
 * (the claim's count), only while that claim still holds it: a later claim, after the lease ran out or was taken
 * over from a worker thought gone, keeps the action.
 */
export async function deferAction(
  db: Kysely<Database>,
  kind: StoreKind,
  id: ActionId,
  until: number | null,
  reason: string,
  now: number,
  attempt?: number,
): Promise<void> {
  if (attempt === undefined) await DEFER.execute(db, kind, { id, until, reason, now });
  else await DEFER_CLAIM.execute(db, kind, { id, until, reason, now, attempt });
}

interface DeferValues {
  id: ActionId;
  until: number | null;
  reason: string;
  now: number;
}

function deferQuery(db: Kysely<Database>, p: DeferValues) {
  return db
    .updateTable('actions')
    .set((eb) => ({
      // An action that has been attempted before goes back to failed (its last error stays shown), else pending.
      status: eb.case().when('attempts', '>', 1).then('failed').else('pending').end(),
      attempts: eb('attempts', '-', 1),
      lease_until: null,
      next_attempt_at: p.until,
      waiting: p.reason,
      updated_at: p.now,
    }))
    .where('id', '=', p.id)
    .where('status', '=', 'in_flight');
}

// Run for every action held back at the delivery gate (a paused endpoint's whole backlog), so built once.
const DEFER = new QueryTemplate<DeferValues>(deferQuery);
const DEFER_CLAIM = new QueryTemplate<DeferValues & { attempt: number }>((db, p) =>
  deferQuery(db, p).where('attempts', '=', p.attempt),
);

export async function wakeWaiting(
  db: Kysely<Database>,
  kind: StoreKind,
  org: string,
  endpoint: string,
  at: number,
  opts: WakeOptions,
): Promise<ActionId[]> {
  let ids = db
    .selectFrom('actions')
    .select('id')
    .where('org', '=', org)
    .where('endpoint', '=', endpoint)
    // The endpoint's unfinished actions in id order (actions_unfinished_lane), not the org's whole history.
    .where(UNFINISHED_OF_ENDPOINT)
    .where('status', 'in', WAITABLE)
    .$if(!opts.scheduled, (q) => q.where('waiting', 'is not', null))
    // Only those that would wait longer: one already due needs no waking (and must not use up a `limit`). Woken
    // `first`, the oldest waiter is the one, due or not: a FIFO lane's next message whose short wait ran out while a
    // burst was being parked is due, but behind the whole burst; and if it is already at the front, nothing is woken.
    .$if(!opts.first, (q) =>
      q.where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '>', at)])),
    )
    .$if(opts.reasons !== undefined, (q) => q.where('waiting', 'in', opts.reasons!))
    .$if(opts.orderingKey !== undefined, (q) => q.where('ordering_key', '=', opts.orderingKey!))
    .orderBy('id')
    // PostgreSQL: a row a claimer just took is re-checked (and skipped) rather than woken from a stale snapshot,
    // which would spend the `limit` on an action already in flight.
    .$if(kind === 'postgres', (q) => q.forUpdate().skipLocked());
  if (opts.limit !== undefined) ids = ids.limit(opts.limit);
  const woken = await db
    .updateTable('actions')
    // Just before its creation: the actions routed in the same batch share its creation time, and a tie would leave
    // the order among them to the index.
    .set((eb) => ({ next_attempt_at: opts.first ? eb('created_at', '-', 1) : eb.val(at) }))
    .where(idInOnce(kind, ids))
    .where('status', 'in', WAITABLE)
    .$if(opts.first === true, (q) =>
      q.where((eb) =>
        eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '>=', eb.ref('created_at'))]),
      ),
    )
    .returning('id')
    .execute();
  return woken.map((r) => r.id as ActionId);
}

const BLOCKER_COLUMNS = ['id', 'status', 'ordering_key', 'next_attempt_at'] as const;

export async function orderingBlocker(
  db: Kysely<Database>,
  org: string,
  endpoint: string,
  id: ActionId,
  orderingKey: string,
  /**
   * PostgreSQL: a blocker in flight is read again in share mode, which waits for a transaction settling it; when
   * that finished it, the next older one is the blocker.
   */
  settled = false,
): Promise<OrderingBlocker | undefined> {
  for (let before = id; ;) {
    const row = await db
      .selectFrom('actions')
      .select(BLOCKER_COLUMNS)
      .where('org', '=', org)
      .where('endpoint', '=', endpoint)
      .where(UNFINISHED_OF_ENDPOINT)
      .where('id', '<', before)
      .where((eb) => eb.or([eb('ordering_key', '=', orderingKey), eb('ordering_key', 'is', null)]))
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    // Only a message in flight has an outcome to wait for. A waiting one is not locked: the message ahead of it wakes
    // it with FOR UPDATE SKIP LOCKED, and a share lock taken here would make that wake pass it over (and wake a later
    // one, which finds it still waiting), leaving it to its timer — seconds of a FIFO lane standing still.
    if (!row || !settled || row.status !== 'in_flight') return row && blockerOf(row);
    const settledRow = await db
      .selectFrom('actions')
      .select(BLOCKER_COLUMNS)
      .where('id', '=', row.id)
      .forShare()
      .executeTakeFirst();
    if (settledRow && (UNFINISHED as readonly string[]).includes(settledRow.status))
      return blockerOf(settledRow);
    before = row.id as ActionId;
  }
}

function blockerOf(row: {
  id: string;
  status: string;
  ordering_key: string | null;
  next_attempt_at: number | null;
}): OrderingBlocker {
  return {
    id: row.id as ActionId,
    status: row.status as ActionStatus,
    orderingKey: row.ordering_key,
    nextAttemptAt: row.next_attempt_at === null ? null : Number(row.next_attempt_at),
  };
}

export async function countByStatus(
  db: Kysely<Database>,
  org: string,
  f: ActionFilter,
  only?: readonly ActionStatus[],
): Promise<Record<ActionStatus, number>> {
  const out: Record<ActionStatus, number> = { pending: 0, in_flight: 0, succeeded: 0, failed: 0, dead: 0 };
  if (only?.length === 0) return out;
  const rows = await db
    .selectFrom('actions')
    .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('org', '=', org)
    .$if(f.eventId !== undefined, (q) => q.where('event_id', '=', f.eventId!))
    .$if(f.ruleId !== undefined, (q) => q.where('rule_id', '=', f.ruleId!))
    .$if(f.targetType !== undefined, (q) => q.where('target_type', '=', f.targetType!))
    .$if(f.status !== undefined, (q) => q.where('status', '=', f.status!))
    .$if(f.endpoint !== undefined, (q) => q.where('endpoint', '=', f.endpoint!))
    .$if(f.createdFrom !== undefined, (q) => q.where('id', '>=', idFloor('action', f.createdFrom!)))
    .$if(f.createdBefore !== undefined, (q) => q.where('id', '<', idFloor('action', f.createdBefore!)))
    .$if(only !== undefined, (q) => q.where('status', 'in', only!))
    .groupBy('status')
    .execute();
  for (const r of rows) out[r.status as ActionStatus] = Number(r.n);
  return out;
}

export async function recentAttempts(
  db: Kysely<Database>,
  org: string,
  endpoint: string,
  since: number,
  limit: number,
): Promise<AttemptSample[]> {
  // Newest first through attempts_endpoint_started (migration 008): the window's attempts only, however long the
  // endpoint's history.
  const rows = await db
    .selectFrom('attempts')
    .select(['started_at', 'latency_ms', 'outcome', 'status_code'])
    .where('org', '=', org)
    .where('endpoint', '=', endpoint)
    .where('started_at', '>=', since)
    .orderBy('started_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    startedAt: Number(r.started_at),
    latencyMs: r.latency_ms,
    outcome: r.outcome,
    statusCode: r.status_code,
  }));
}
