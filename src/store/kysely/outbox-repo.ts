// Events waiting for the JetStream event log (see migration 014).
import type { Kysely } from 'kysely';
import type { EventId } from '../../core/ids.js';
import type { OutboxRepo } from '../port.js';
import type { OutboxEntry } from '../records.js';
import type { Database } from '../schema.js';
import { pruneBefore } from './prune-in-batches.js';

/** Entries per statement: three parameters each, far below either database's limit. */
const CHUNK = 500;

export class KyselyOutboxRepo implements OutboxRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async add(entries: readonly OutboxEntry[]): Promise<void> {
    for (let i = 0; i < entries.length; i += CHUNK) {
      await this.db
        .insertInto('jetstream_outbox')
        .values(
          entries.slice(i, i + CHUNK).map((e) => ({
            created_at: e.createdAt,
            event_id: e.eventId,
            route_seq: e.routeSeq,
            org: e.org,
          })),
        )
        .execute();
    }
  }

  async next(limit: number): Promise<OutboxEntry[]> {
    const rows = await this.db
      .selectFrom('jetstream_outbox')
      .selectAll()
      .orderBy('created_at')
      .orderBy('event_id')
      .orderBy('route_seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      eventId: r.event_id as EventId,
      routeSeq: Number(r.route_seq),
      org: r.org,
      createdAt: Number(r.created_at),
    }));
  }

  async remove(entries: readonly OutboxEntry[]): Promise<void> {
    for (let i = 0; i < entries.length; i += CHUNK) {
      await this.db
        .deleteFrom('jetstream_outbox')
        .where((eb) =>
          eb(
            eb.refTuple('created_at', 'event_id', 'route_seq'),
            'in',
            entries.slice(i, i + CHUNK).map((e) => eb.tuple(e.createdAt, e.eventId, e.routeSeq)),
          ),
        )
        .execute();
    }
  }

  async oldest(): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('jetstream_outbox')
      .select('created_at')
      .orderBy('created_at')
      .limit(1)
      .executeTakeFirst();
    return row && Number(row.created_at);
  }

  async prune(before: number): Promise<number> {
    return pruneBefore(this.db, 'jetstream_outbox', before);
  }
}
