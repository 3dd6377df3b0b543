// Finds the due actions a claim pass may take while some endpoints are at their cap in this worker. Their backlogs
// may be deep, and the only way to find work nobody announced (another process's router, a retry falling due) is to
// walk past them, at a cost that grows with their size. So that walk — the deep look — is paced to a small share of
// the time; between deep looks a pass reads the head of the due order and the lanes known to have work: announced
// by the router, or with deliveries running here and a slot free. A lane read is a short index range, however deep
// the other lanes' backlogs are (bench/backlog.ts).
import { laneKey, type ClaimCandidate, type ClaimOptions, type Lane, type Store } from '../store/port.js';

/** Unannounced work behind a saturated backlog waits at most about this long (plus the pacing below). */
const DEEP_LOOK_MIN_INTERVAL_MS = 100;
/** After a deep look, at least this many times its duration passes before the next: under 5 % of the time. */
const DEEP_LOOK_PACE = 20;
/** Announced lanes remembered between passes; beyond this, the next pass looks deep instead. */
const MAX_HINTS = 10_000;

export class DueFinder {
  private readonly hinted = new Map<string, Lane>();
  /** performance.now() time from which a deep look is allowed. */
  private nextDeepLookAt = 0;

  constructor(private readonly store: Store) {}

  /** Lanes that just got due work (new actions routed here). */
  hint(lanes: Iterable<Lane>): void {
    for (const lane of lanes) {
      if (this.hinted.size >= MAX_HINTS) {
        this.nextDeepLookAt = 0;
        return;
      }
      this.hinted.set(laneKey(lane), lane);
    }
  }

  /**
   * Up to `limit` due candidates, oldest first where the order is known. `skip`: endpoints at their cap here;
   * `open`: endpoints with deliveries running here and a slot free (their next due work is worth a direct look).
   */
  async candidates(
    now: number,
    limit: number,
    skip: NonNullable<ClaimOptions['skip']>,
    open: readonly Lane[],
  ): Promise<ClaimCandidate[]> {
    if (skip.length === 0) {
      // Nothing to walk past: the head of the due order is the answer, announced lanes included.
      this.hinted.clear();
      return this.store.actions.dueCandidates(now, limit);
    }
    const started = performance.now();
    if (started >= this.nextDeepLookAt) {
      this.hinted.clear();
      const found = await this.store.actions.dueCandidates(now, limit, { skip });
      const took = performance.now() - started;
      this.nextDeepLookAt = performance.now() + Math.max(DEEP_LOOK_MIN_INTERVAL_MS, DEEP_LOOK_PACE * took);
      return found;
    }
    const skipped = new Set(skip.map(laneKey));
    const lanes = new Map<string, Lane>();
    for (const lane of [...this.hinted.values(), ...open])
      if (!skipped.has(laneKey(lane))) lanes.set(laneKey(lane), lane);
    this.hinted.clear();
    const head = await this.store.actions.dueCandidates(now, limit);
    const inLanes =
      lanes.size > 0 ? await this.store.actions.dueInLanes(now, [...lanes.values()], limit) : [];
    const seen = new Set(head.map((c) => c.id));
    return [...head, ...inLanes.filter((c) => !seen.has(c.id))];
  }

  /** Milliseconds until a deep look is allowed again: a pass that skipped endpoints should look again by then. */
  msUntilDeepLook(): number {
    return Math.max(0, this.nextDeepLookAt - performance.now());
  }
}
