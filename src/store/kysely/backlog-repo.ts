// The backlog an operator alerts on (metrics gauges), read at scrape time from indexes the pipeline keeps anyway.
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { Backlog, BacklogRepo } from '../port.js';
import type { Database } from '../schema.js';
import { LEASED, WAITING } from './waiting-actions.js';

/** Dead letters, as the predicate of the partial index actions_dead (migration 011). */
const DEAD = sql<boolean>`status = 'dead'`;

export class KyselyBacklogRepo implements BacklogRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async read(now: number, cap: number): Promise<Backlog> {
    // Each count reads one index range and stops at `cap`: a scrape costs at most that many index entries per
    // figure, however deep the backlog (SQLite runs it on the event loop's thread, where no timeout can stop it).
    const actions = (...where: Expression<SqlBool>[]) =>
      this.capped(
        this.db
          .selectFrom('actions')
          .select(sql<number>`1`.as('one'))
          .where((eb) => eb.and(where))
          .limit(cap),
      );
    const dueNow = sql<boolean>`next_attempt_at <= ${now}`;
    // In flight under a lease that ran out: their worker stopped, and the next claim takes them as due.
    const leaseRanOut = sql<boolean>`lease_until < ${now}`;
    // One after another, not at once: on PostgreSQL a scrape then holds one pooled connection, never several that
    // the routing and delivery workers wait for.
    const due = await actions(WAITING, dueNow);
    const expired = await actions(LEASED, leaseRanOut);
    const scheduled = await actions(WAITING, sql<boolean>`next_attempt_at > ${now}`);
    const held = await actions(WAITING, sql<boolean>`next_attempt_at is null`);
    const dead = await actions(DEAD);
    // Received but not routed yet: the router's own index (events_status_id).
    const unrouted = await this.capped(
      this.db
        .selectFrom('events')
        .select(sql<number>`1`.as('one'))
        .where('status', '=', 'pending')
        .limit(cap),
    );
    // The first entry in due order of each range (the same reads as nextDueAt), not min() over the range.
    const first = async (column: 'next_attempt_at' | 'lease_until', ...where: Expression<SqlBool>[]) => {
      const row = await this.db
        .selectFrom('actions')
        .select(`${column} as t`)
        .where((eb) => eb.and(where))
        .orderBy(column)
        .limit(1)
        .executeTakeFirst();
      return row?.t === null || row?.t === undefined ? undefined : Number(row.t);
    };
    const times = [
      await first('next_attempt_at', WAITING, dueNow),
      await first('lease_until', LEASED, leaseRanOut),
    ].filter((t) => t !== undefined);
    return {
      due: Math.min(cap, due + expired),
      scheduled,
      held,
      dead,
      unrouted,
      oldestDueAt: times.length > 0 ? Math.min(...times) : null,
    };
  }

  /** How many rows `query` (already limited) finds. */
  private async capped(query: Expression<unknown>): Promise<number> {
    const { rows } = await sql<{
      n: string | number;
    }>`select count(*) as n from (${query}) as capped`.execute(this.db);
    return Number(rows[0]?.n ?? 0);
  }
}
