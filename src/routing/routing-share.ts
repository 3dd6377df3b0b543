// How worker processes on one database divide routing: each routes the pending events of its share, so routing is
// done about once per event rather than once per worker. No locks: the routing commit stays conditional on the event
// still being pending, so a share two workers both think is theirs (views of presence disagree for a beat) is only
// routed twice, never wrongly; and what no live worker thinks is its own is taken up by the others once it is old.
import { idFloor } from '../core/ids.js';
import type { PendingShare, Store } from '../store/port.js';
import type { EventRecord } from '../store/records.js';
import type { WorkerShare } from './worker-presence.js';

/**
 * The share of an event keyed by its id: the sum of the codes of its last two characters, mod `count`. Ids end in
 * random ULID characters (incremented within a millisecond), so shares come out even. The stores compute the same in
 * SQL (`pendingShareWhere`), so a worker reads only its share, through the (status, id) index.
 */
export function idShare(id: string, count: number): number {
  return (id.charCodeAt(id.length - 1) + id.charCodeAt(id.length - 2)) % count;
}

/** The share of an org routed whole (FNV-1a of its slug, mod `count`): every worker computes the same. */
export function orgShare(org: string, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < org.length; i++) h = Math.imul(h ^ org.charCodeAt(i), 0x01000193);
  return (h >>> 0) % count;
}

/**
 * Whether a worker at `place` routes an event at first sight. Events of `wholeOrgs` (orgs with a FIFO endpoint) go
 * by org: a FIFO lane's order is the order its actions were created in, which two workers routing one lane at once
 * could swap (each stamps its batch with its own clock). Every lane lies inside one org, so one worker per such org
 * keeps every lane in order, whatever the lane's ordering key.
 */
export function inShare(
  event: Pick<EventRecord, 'id' | 'org'>,
  place: WorkerShare,
  wholeOrgs: readonly string[],
) {
  return wholeOrgs.includes(event.org)
    ? orgShare(event.org, place.count) === place.rank
    : idShare(event.id, place.count) === place.rank;
}

export interface ShareGraces {
  /**
   * Age after which a pending event outside this worker's share is routed anyway, when the worker has room left in
   * its batch: longer than it takes the others to drop a dead worker from their count (which hands its share on by
   * itself), so it covers only views of presence that disagree, or a worker that is alive but stuck.
   */
  strayMs: number;
  /**
   * The same for events of orgs routed whole. Much longer: taking them while their worker is alive (only behind) is
   * the one way two workers route a FIFO lane at once, so this is a last resort against an org left to nobody.
   */
  wholeOrgStrayMs: number;
}

/** Graces for a sweep interval: the presence window is three intervals (at least 5 s). */
export function shareGraces(sweepIntervalMs: number): ShareGraces {
  return {
    strayMs: Math.max(5 * sweepIntervalMs, 10_000),
    wholeOrgStrayMs: Math.max(150 * sweepIntervalMs, 300_000),
  };
}

export class RoutingShare {
  constructor(
    private readonly store: Store,
    /** This worker's place among the workers alive (WorkerPresence.current). */
    private readonly place: () => WorkerShare,
    private readonly graces: ShareGraces,
  ) {}

  /**
   * The oldest pending events this worker routes, at most `limit`, oldest first: its share, then, with room left,
   * strays of other shares older than their grace. A full batch still means there may be more of them. Alone, it
   * reads exactly what a single router always read, with no more queries.
   */
  async pending(limit: number, now: number): Promise<EventRecord[]> {
    const place = this.place();
    if (place.count <= 1) return this.store.events.listPending(limit);
    const all = await this.store.endpoints.orderedOrgs();
    const share: PendingShare = {
      ...place,
      wholeOrgs: { mine: all.filter((org) => orgShare(org, place.count) === place.rank), all },
    };
    const own = await this.store.events.listPending(limit, share);
    // Under a backlog every worker has a full share: nobody takes others' events, so work is not done twice.
    if (own.length === limit) return own;
    const strays = await this.store.events.listPending(limit - own.length, {
      ...share,
      strays: {
        before: idFloor('event', now - this.graces.strayMs),
        wholeOrgsBefore: idFloor('event', now - this.graces.wholeOrgStrayMs),
      },
    });
    if (strays.length === 0) return own;
    return [...own, ...strays].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
