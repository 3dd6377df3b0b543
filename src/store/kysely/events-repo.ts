// Events and their idempotency keys: the ingest commit path, the routing hand-off and the event log queries.
import { sql, type Kysely } from 'kysely';
import { stringifyExact } from '../../core/exact-integers.js';
import { idFloor, type EventId, type SourceId } from '../../core/ids.js';
import type {
  EventFilter,
  EventsRepo,
  IngestItem,
  IngestKey,
  IngestOutcome,
  Page,
  PendingShare,
  SourceActivity,
  StoreKind,
} from '../port.js';
import type { EventRecord, EventStatus, NewEvent } from '../records.js';
import type { Database } from '../schema.js';
import { EVENT_COLUMNS, eventFromRow, toJson } from './codec.js';
import { sortOutDuplicates, type IngestPlan, type PlannedKey } from './ingest-batch.js';
import { idsBefore, PRUNE_BATCH, pruneBefore, pruneInBatches } from './prune-in-batches.js';
import { pendingShareWhere } from './pending-share.js';
import { placeholderRow, QueryTemplate } from './query-template.js';

/** Rows per INSERT: well under SQLite's bound-parameter limit (17 columns × 500). */
const INSERT_CHUNK = 500;

interface KeyClaim {
  sourceId: string;
  key: string;
  eventId: string;
  expiresAt: number;
  now: number;
}

// Run once per ingested event that has an idempotency key, so built once (see QueryTemplate).
const CLAIM_KEY = new QueryTemplate<KeyClaim>((db, p) =>
  db
    .insertInto('idempotency_keys')
    .values({ source_id: p.sourceId, key: p.key, event_id: p.eventId, expires_at: p.expiresAt })
    .onConflict((oc) =>
      oc
        .columns(['source_id', 'key'])
        .doUpdateSet({ event_id: p.eventId, expires_at: p.expiresAt })
        .where('idempotency_keys.expires_at', '<=', p.now),
    )
    .returning('event_id'),
);

/** An item's two keys: its replay key and its idempotency key, of one source. */
interface KeyPair {
  sourceId: string;
  replayKey: string;
  dedupKey: string;
}

// The event holding the replay key was stored under the idempotency key: the same request, even once the idempotency
// key's own window has ended (events keep their key).
const SAME_REQUEST = new QueryTemplate<KeyPair>((db, p) =>
  db
    .selectFrom('idempotency_keys')
    .innerJoin('events', 'events.id', 'idempotency_keys.event_id')
    .select('events.id')
    .where('idempotency_keys.source_id', '=', p.sourceId)
    .where('idempotency_keys.key', '=', p.replayKey)
    .where('events.source_id', '=', p.sourceId)
    .where('events.idempotency_key', '=', p.dedupKey),
);

// A replay key claimed by a request found to be a duplicate goes to the event it duplicates.
const REPOINT_REPLAY_KEY = new QueryTemplate<KeyPair>((db, p) =>
  db
    .updateTable('idempotency_keys')
    .set((eb) => ({
      event_id: eb
        .selectFrom('idempotency_keys as held')
        .select('held.event_id')
        .where('held.source_id', '=', p.sourceId)
        .where('held.key', '=', p.dedupKey),
    }))
    .where('source_id', '=', p.sourceId)
    .where('key', '=', p.replayKey),
);

const KEY_HOLDER = new QueryTemplate<Pick<KeyClaim, 'sourceId' | 'key' | 'now'>>((db, p) =>
  db
    .selectFrom('idempotency_keys')
    .select('event_id')
    .where('source_id', '=', p.sourceId)
    .where('key', '=', p.key)
    .where('expires_at', '>', p.now),
);

type EventRow = ReturnType<typeof eventToRow>;

/** The columns an insert sets: those read back, less the two the database fills in, plus the raw body and its flag. */
type DefaultedColumn = 'route_seq' | 'fresh_keys';
const EVENT_ROW_COLUMNS = [
  ...EVENT_COLUMNS.filter(
    (c): c is Exclude<typeof c, DefaultedColumn> => c !== 'route_seq' && c !== 'fresh_keys',
  ),
  'raw_body' as const,
  'raw_in_data' as const,
] satisfies readonly (keyof EventRow)[];
// A column eventToRow gains must be inserted too: this fails to compile while one is missing from the list.
const allColumnsInserted: [Exclude<keyof EventRow, (typeof EVENT_ROW_COLUMNS)[number]>] extends [never]
  ? true
  : never = true;
void allColumnsInserted;

const INSERT_EVENT = new QueryTemplate<EventRow>((db, p) =>
  db.insertInto('events').values(placeholderRow(p, EVENT_ROW_COLUMNS)),
);

/** Both keys of an item that has both (of one source, as a source's keys are). */
function keyPair(item: { dedup?: IngestKey | null; replay?: IngestKey | null }): KeyPair | undefined {
  const { dedup, replay } = item;
  return dedup && replay
    ? { sourceId: dedup.sourceId, replayKey: replay.key, dedupKey: dedup.key }
    : undefined;
}

function batchKeyOf({ sourceId, key }: IngestKey): string {
  return `${sourceId}\n${key}`;
}

export class KyselyEventsRepo implements EventsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly kind: StoreKind,
  ) {}

  async ingest(items: readonly IngestItem[], now: number): Promise<IngestOutcome[]> {
    const withKey = (key: IngestKey | undefined) => (key ? { ...key, batchKey: batchKeyOf(key) } : null);
    const { outcomes, fresh } = await sortOutDuplicates(
      items.map((item) => ({
        ...item,
        eventId: item.event.id,
        dedup: withKey(item.dedup),
        replay: withKey(item.replay),
      })),
      {
        claim: ({ eventId }, key) => this.claimKey(key, eventId, now),
        holder: (_, key) => this.keyHolder(key, now),
        sameRequest: async (item) => {
          const found = await SAME_REQUEST.execute(this.db, this.kind, keyPair(item)!);
          return found.rows.length > 0;
        },
        repoint: async (item) => {
          await REPOINT_REPLAY_KEY.execute(this.db, this.kind, keyPair(item)!);
        },
      },
    );
    for (let i = 0; i < fresh.length; i += INSERT_CHUNK) {
      await this.db
        .insertInto('events')
        .values(fresh.slice(i, i + INSERT_CHUNK).map((item) => eventToRow(item.event)))
        .execute();
    }
    return outcomes;
  }

  /** `ingest` as compiled statements, to be run in one transaction elsewhere (the SQLite writer thread). */
  planIngest(items: readonly IngestItem[], now: number): IngestPlan {
    const { db, kind } = this;
    return {
      sql: {
        claim: CLAIM_KEY.sql(db, kind),
        holder: KEY_HOLDER.sql(db, kind),
        insert: INSERT_EVENT.sql(db, kind),
        sameRequest: SAME_REQUEST.sql(db, kind),
        repoint: REPOINT_REPLAY_KEY.sql(db, kind),
      },
      items: items.map(({ event, dedup, replay }) => {
        const planned = (key: IngestKey | undefined): PlannedKey | null => {
          if (!key) return null;
          const claim = { ...key, eventId: event.id, expiresAt: now + key.windowMs, now };
          return {
            batchKey: batchKeyOf(key),
            claim: CLAIM_KEY.bind(db, kind, claim).parameters,
            holder: KEY_HOLDER.bind(db, kind, claim).parameters,
          };
        };
        const pair = keyPair({ dedup, replay }) ?? null;
        return {
          eventId: event.id,
          dedup: planned(dedup),
          replay: planned(replay),
          insert: INSERT_EVENT.bind(db, kind, eventToRow(event)).parameters,
          pair: pair && {
            sameRequest: SAME_REQUEST.bind(db, kind, pair).parameters,
            repoint: REPOINT_REPLAY_KEY.bind(db, kind, pair).parameters,
          },
        };
      }),
    };
  }

  /**
   * Takes the key for `eventId` unless a live one exists; returns the earlier event id when it does.
   * An expired key is taken over in the same statement, so the dedup window needs no separate cleanup to work.
   */
  private async claimKey(key: IngestKey, eventId: EventId, now: number): Promise<EventId | undefined> {
    const values = { sourceId: key.sourceId, key: key.key, eventId, expiresAt: now + key.windowMs, now };
    const claimed = await CLAIM_KEY.execute(this.db, this.kind, values);
    if (claimed.rows.length > 0) return undefined;
    const holder = await this.keyHolder(key, now);
    if (holder === undefined) throw new Error(`idempotency key ${key.key} vanished while being claimed`);
    return holder;
  }

  /** The event holding a live key, if any. */
  private async keyHolder(key: IngestKey, now: number): Promise<EventId | undefined> {
    const held = await KEY_HOLDER.execute<{ event_id: EventId }>(this.db, this.kind, { ...key, now });
    return held.rows[0]?.event_id;
  }

  async insert(event: NewEvent): Promise<void> {
    await this.db.insertInto('events').values(eventToRow(event)).execute();
  }

  async get(org: string, id: EventId): Promise<EventRecord | undefined> {
    const row = await this.db
      .selectFrom('events')
      .select(EVENT_COLUMNS)
      .where('org', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && eventFromRow(row);
  }

  async getRaw(
    org: string,
    id: EventId,
  ): Promise<{ contentType: string | null; body: Buffer | null } | undefined> {
    const row = await this.db
      .selectFrom('events')
      .select(['content_type', 'raw_body', 'raw_in_data', 'data'])
      .where('org', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const body = row.raw_in_data ? Buffer.from(row.data, 'utf8') : row.raw_body;
    return { contentType: row.content_type, body };
  }

  async listPending(limit: number, share?: PendingShare): Promise<EventRecord[]> {
    const rows = await this.db
      .selectFrom('events')
      .select(EVENT_COLUMNS)
      .where('status', '=', 'pending')
      .$if(share !== undefined, (q) => q.where(pendingShareWhere(this.kind, share!)))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(eventFromRow);
  }

  async finishRouting(id: EventId, status: EventStatus, now: number, error: string | null): Promise<boolean> {
    const result = await this.db
      .updateTable('events')
      .set((eb) => ({ status, routed_at: now, error, route_seq: eb('route_seq', '+', 1), fresh_keys: 0 }))
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async finishRoutingMany(
    outcomes: readonly { id: EventId; status: EventStatus; error: string | null }[],
    now: number,
  ): Promise<Set<EventId>> {
    // One UPDATE per distinct (status, error): in practice two — routed and unrouted.
    const groups = new Map<string, { status: EventStatus; error: string | null; ids: EventId[] }>();
    for (const o of outcomes) {
      const key = `${o.status}\n${o.error ?? ''}`;
      const g = groups.get(key) ?? { status: o.status, error: o.error, ids: [] };
      g.ids.push(o.id);
      groups.set(key, g);
    }
    const moved = new Set<EventId>();
    for (const g of groups.values()) {
      for (let i = 0; i < g.ids.length; i += INSERT_CHUNK) {
        const rows = await this.db
          .updateTable('events')
          .set((eb) => ({
            status: g.status,
            routed_at: now,
            error: g.error,
            route_seq: eb('route_seq', '+', 1),
            fresh_keys: 0,
          }))
          .where('id', 'in', g.ids.slice(i, i + INSERT_CHUNK))
          .where('status', '=', 'pending')
          .returning('id')
          .execute();
        for (const r of rows) moved.add(r.id as EventId);
      }
    }
    return moved;
  }

  async getMany(ids: readonly EventId[]): Promise<EventRecord[]> {
    const out: EventRecord[] = [];
    for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
      const rows = await this.db
        .selectFrom('events')
        .select(EVENT_COLUMNS)
        .where('id', 'in', ids.slice(i, i + INSERT_CHUNK))
        .execute();
      out.push(...rows.map(eventFromRow));
    }
    return out;
  }

  async requeue(org: string, ids: readonly EventId[], opts: { freshKeys?: boolean } = {}): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.db
      .updateTable('events')
      .set({ status: 'pending', error: null, fresh_keys: opts.freshKeys ? 1 : 0 })
      .where('org', '=', org)
      .where('id', 'in', ids)
      .where('status', 'in', ['routed', 'unrouted', 'failed'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async list(
    org: string,
    filter: EventFilter,
    page: { limit: number; before?: string },
  ): Promise<Page<EventRecord>> {
    const rows = await this.filtered(org, filter)
      .select(EVENT_COLUMNS)
      .$if(page.before !== undefined, (q) => q.where('id', '<', page.before!))
      .orderBy('id', 'desc')
      .limit(page.limit + 1)
      .execute();
    const items = rows.slice(0, page.limit).map(eventFromRow);
    return { items, next: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
  }

  async count(org: string, filter: EventFilter): Promise<number> {
    const row = await this.filtered(org, filter)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async sourceActivity(org: string, sourceId: SourceId, since: number, cap: number): Promise<SourceActivity> {
    // Both read the (org, source_id, id) index only: the id holds the receipt time.
    const bySource = this.db.selectFrom('events').where('org', '=', org).where('source_id', '=', sourceId);
    const last = await bySource
      .select(['id', 'type', 'status'])
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const recent = await this.db
      .selectFrom(bySource.select('id').where('id', '>=', idFloor('event', since)).limit(cap).as('recent'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return {
      last: last ? { id: last.id as EventId, type: last.type, status: last.status as EventStatus } : null,
      recent: Number(recent.n),
    };
  }

  private filtered(org: string, f: EventFilter) {
    return (
      this.db
        .selectFrom('events')
        .where('org', '=', org)
        .$if(f.sourceId !== undefined, (q) => q.where('source_id', '=', f.sourceId!))
        // No index of its own (each would cost every ingest commit): read newest first, like free text.
        .$if(f.envelopeSource !== undefined, (q) => q.where('source', '=', f.envelopeSource!))
        .$if(f.type !== undefined, (q) => q.where('type', '=', f.type!))
        .$if(f.status !== undefined, (q) => q.where('status', '=', f.status!))
        .$if(f.since !== undefined, (q) => q.where('time', '>=', f.since!))
        .$if(f.until !== undefined, (q) => q.where('time', '<', f.until!))
        // No index can serve it either: the events the other filters leave are read newest first.
        .$if(f.dataText !== undefined, (q) =>
          q.where(sql<boolean>`data like ${likeAnywhere(f.dataText!)} escape '\\'`),
        )
        .$if(f.text !== undefined, (q) => {
          const like = likeAnywhere(f.text!);
          return q.where((eb) =>
            eb.or([
              eb('id', '=', f.text!),
              sql<boolean>`type like ${like} escape '\\'`,
              sql<boolean>`subject like ${like} escape '\\'`,
            ]),
          );
        })
    );
  }

  async prune(cutoff: number, batchSize = PRUNE_BATCH): Promise<number> {
    // By id, which holds the time the event was received: a range of the primary key. `time < cutoff` had no index
    // and read every event kept, three times an hour; and one statement deleted an hour's events (their actions and
    // attempts too) while holding SQLite's write lock, with ingest waiting behind it.
    const before = idFloor('event', cutoff);
    const pruned = await pruneInBatches(
      idsBefore(this.db, 'events', before),
      async (ids) => {
        const drop = async (db: Kysely<Database>) => {
          const actions = db.selectFrom('actions').select('id').where('event_id', 'in', ids);
          await db.deleteFrom('attempts').where('action_id', 'in', actions).execute();
          await db.deleteFrom('actions').where('event_id', 'in', ids).execute();
          await db.deleteFrom('events').where('id', 'in', ids).execute();
        };
        await (this.db.isTransaction ? drop(this.db) : this.db.transaction().execute(drop));
      },
      batchSize,
    );
    await pruneBefore(this.db, 'idempotency_keys', cutoff, batchSize);
    return pruned;
  }
}

function eventToRow(e: NewEvent) {
  return {
    id: e.id,
    org: e.org,
    source_id: e.sourceId,
    source: e.source,
    type: e.type,
    subject: e.subject,
    time: e.time,
    status: e.status,
    content_type: e.contentType,
    raw_body: e.bodyText === undefined ? e.rawBody : null,
    raw_in_data: e.bodyText === undefined ? 0 : 1,
    headers: e.headers === null ? null : toJson(e.headers),
    data: e.bodyText ?? (e.exactIntegers ? stringifyExact(e.data ?? null, e.exactIntegers) : toJson(e.data)),
    idempotency_key: e.idempotencyKey,
    correlation_id: e.correlationId,
    traceparent: e.traceparent,
    error: e.error,
    hop_count: e.hopCount,
    verified_by: e.verifiedBy ?? null,
    routed_at: null,
  };
}

/** A LIKE pattern (with `escape '\'`) that finds `text` anywhere, its own `%`, `_` and `\` taken literally. */
function likeAnywhere(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
