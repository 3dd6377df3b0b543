// Leases left behind by a worker that died. An action in flight is leased for EVENTHOOK_LEASE (60 s by default) so
// that a slow attempt is not taken over; a killed or crashed worker's actions would wait that long after a restart.
// Its heartbeats stop at once, though: when the holder of a lease has not beaten for a while, the workers still
// alive end its leases and claim the actions again (the delivery keeps its webhook-id, engine targets their
// idempotency keys, and a late outcome of the old attempt is ignored by attempt number).
import type { Store } from '../store/port.js';

/**
 * A holder silent for this many heartbeats (and at least ORPHAN_MIN_MS) counts as dead. Longer than the window in
 * which a worker counts for sharing endpoint limits (worker-presence.ts): a worker that was only slow to beat would
 * have its attempts sent twice, which costs more than a limit briefly shared wrongly.
 */
const ORPHAN_AFTER_BEATS = 5;
const ORPHAN_MIN_MS = 10_000;

export function orphanAfterMs(beatIntervalMs: number): number {
  return Math.max(ORPHAN_AFTER_BEATS * beatIntervalMs, ORPHAN_MIN_MS);
}

/**
 * Ends the leases held by workers not seen for orphanAfterMs, as of `now`; `self` (this worker, which has just
 * beaten) is never one. Only reads when no holder is gone, which is nearly always. Returns how many leases ended and
 * whose they were.
 */
export async function releaseOrphanedLeases(
  store: Store,
  self: string,
  now: number,
  beatIntervalMs: number,
): Promise<{ released: number; holders: string[] }> {
  const holders = (await store.actions.leaseHolders(now)).filter((h) => h !== self);
  if (holders.length === 0) return { released: 0, holders: [] };
  const live = new Set(await store.workers.live(now - orphanAfterMs(beatIntervalMs)));
  const gone = holders.filter((h) => !live.has(h));
  if (gone.length === 0) return { released: 0, holders: [] };
  // Relaxed: a release lost to a power cut only leaves the leases to run out, as they would have without it.
  const released = await store.relaxed((tx) => tx.actions.releaseHeldBy(gone, now));
  return { released, holders: gone };
}
