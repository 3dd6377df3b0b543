// Attempts a crash cut off. A worker that dies mid-attempt (kill -9, a lost machine) records nothing: its action
// stays in flight until the lease runs out or the workers still alive end it (routing/orphaned-leases.ts), and the
// next claim sends it again. So that the action's history shows the try that vanished, the claim that takes such an
// action back records it as an `interrupted` attempt. Only a claim of leases found lost pays for it: the normal
// claim, of due actions, reads and writes nothing more.
import type { Kysely } from 'kysely';
import { newId, type ActionId } from '../../core/ids.js';
import type { Database } from '../schema.js';
import { toJson } from './codec.js';

export const INTERRUPTED_OUTCOME = 'interrupted';
export const INTERRUPTED_ERROR =
  'interrupted: the worker stopped before the outcome was recorded (crashed, killed or cut off); whether the target got it is unknown';

/** Of `ids`, those still in flight on a lease that ran out before `now`, with when they were claimed. Before a claim. */
export async function lostLeases(
  db: Kysely<Database>,
  ids: readonly ActionId[],
  now: number,
): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('actions')
    .select(['id', 'updated_at'])
    .where('id', 'in', ids)
    .where('status', '=', 'in_flight')
    .where('lease_until', '<', now)
    .execute();
  // A lease renewal leaves updated_at alone: it is when the lost attempt was claimed.
  return new Map(rows.map((r) => [r.id, Number(r.updated_at)]));
}

/**
 * After the claim: an interrupted attempt for each action taken back from a lost lease — the attempt before the one
 * just counted. None where that attempt has a record after all (its worker answered in between); should a worker that
 * was only slow record its outcome later, that replaces this entry (AttemptRunner). No status, latency 0 and no endpoint: nothing is
 * known of the request, and it is no sample of the endpoint's health.
 */
export async function recordInterrupted(
  db: Kysely<Database>,
  claimed: ReadonlyArray<{ id: ActionId; org: string; attempts: number }>,
  lost: ReadonlyMap<string, number>,
  now: number,
): Promise<void> {
  const back = claimed.filter((a) => lost.has(a.id) && a.attempts > 1);
  if (back.length === 0) return;
  const recorded = await db
    .selectFrom('attempts')
    .select(['action_id', 'number'])
    .where(
      'action_id',
      'in',
      back.map((a) => a.id),
    )
    .execute();
  const has = new Set(recorded.map((r) => `${r.action_id}\n${r.number}`));
  const missing = back.filter((a) => !has.has(`${a.id}\n${a.attempts - 1}`));
  if (missing.length === 0) return;
  await db
    .insertInto('attempts')
    .values(
      missing.map((a) => ({
        id: newId('attempt', now),
        action_id: a.id,
        org: a.org,
        number: a.attempts - 1,
        started_at: lost.get(a.id)!,
        latency_ms: 0,
        outcome: INTERRUPTED_OUTCOME,
        status_code: null,
        request: toJson(null),
        response_headers: null,
        response_body: null,
        error: INTERRUPTED_ERROR,
        endpoint: null,
      })),
    )
    .execute();
}
