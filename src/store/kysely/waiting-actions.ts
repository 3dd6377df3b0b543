// Queries behind outbound delivery: actions that wait without using an attempt, FIFO lanes, and endpoint health.
import type { Kysely } from 'kysely';
import type { ActionId } from '../../core/ids.js';
import type { ActionFilter, AttemptSample, OrderingBlocker } from '../port.js';
import type { ActionStatus } from '../records.js';
import type { Database } from '../schema.js';

const UNFINISHED = ['pending', 'in_flight', 'failed'] as const;
const WAITABLE = ['pending', 'failed'] as const;

export interface WakeOptions {
  reasons?: readonly string[];
  orderingKey?: string;
  limit?: number;
}

/** Undoes a claim: the attempt the claim counted is given back, and the action waits for `reason`. */
export async function deferAction(
  db: Kysely<Database>,
  id: ActionId,
  until: number | null,
  reason: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('actions')
    .set((eb) => ({
      // An action that has been attempted before goes back to failed (its last error stays shown), else pending.
      status: eb.case().when('attempts', '>', 1).then('failed').else('pending').end(),
      attempts: eb('attempts', '-', 1),
      lease_until: null,
      next_attempt_at: until,
      waiting: reason,
      updated_at: now,
    }))
    .where('id', '=', id)
    .where('status', '=', 'in_flight')
    .execute();
}

export async function wakeWaiting(
  db: Kysely<Database>,
  org: string,
  endpoint: string,
  at: number,
  opts: WakeOptions,
): Promise<number> {
  let ids = db
    .selectFrom('actions')
    .select('id')
    .where('org', '=', org)
    .where('endpoint', '=', endpoint)
    .where('status', 'in', WAITABLE)
    .where('waiting', 'is not', null)
    .$if(opts.reasons !== undefined, (q) => q.where('waiting', 'in', opts.reasons!))
    .$if(opts.orderingKey !== undefined, (q) => q.where('ordering_key', '=', opts.orderingKey!))
    .orderBy('id');
  if (opts.limit !== undefined) ids = ids.limit(opts.limit);
  const result = await db
    .updateTable('actions')
    .set({ next_attempt_at: at })
    .where('id', 'in', ids)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function orderingBlocker(
  db: Kysely<Database>,
  org: string,
  endpoint: string,
  id: ActionId,
  orderingKey: string,
): Promise<OrderingBlocker | undefined> {
  const row = await db
    .selectFrom('actions')
    .select(['id', 'status', 'ordering_key', 'next_attempt_at'])
    .where('org', '=', org)
    .where('endpoint', '=', endpoint)
    .where('status', 'in', UNFINISHED)
    .where('id', '<', id)
    .where((eb) => eb.or([eb('ordering_key', '=', orderingKey), eb('ordering_key', 'is', null)]))
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
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
): Promise<Record<ActionStatus, number>> {
  const rows = await db
    .selectFrom('actions')
    .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('org', '=', org)
    .$if(f.eventId !== undefined, (q) => q.where('event_id', '=', f.eventId!))
    .$if(f.ruleId !== undefined, (q) => q.where('rule_id', '=', f.ruleId!))
    .$if(f.targetType !== undefined, (q) => q.where('target_type', '=', f.targetType!))
    .$if(f.status !== undefined, (q) => q.where('status', '=', f.status!))
    .$if(f.endpoint !== undefined, (q) => q.where('endpoint', '=', f.endpoint!))
    .groupBy('status')
    .execute();
  const out: Record<ActionStatus, number> = { pending: 0, in_flight: 0, succeeded: 0, failed: 0, dead: 0 };
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
  const rows = await db
    .selectFrom('attempts as t')
    .innerJoin('actions as a', 'a.id', 't.action_id')
    .select(['t.started_at', 't.latency_ms', 't.outcome', 't.status_code'])
    .where('a.org', '=', org)
    .where('a.endpoint', '=', endpoint)
    .where('t.started_at', '>=', since)
    .orderBy('t.started_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    startedAt: Number(r.started_at),
    latencyMs: r.latency_ms,
    outcome: r.outcome,
    statusCode: r.status_code,
  }));
}
