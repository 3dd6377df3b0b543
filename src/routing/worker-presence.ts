// This worker among the worker processes that share the database: it beats, sees which others beat lately, and
// knows how many there are and where it stands among them. The delivery gate divides each endpoint's rate limit and
// concurrency cap by that, so several workers together keep to the limits an endpoint was given. Processes serving
// ingest beat the same way under ids of their own kind (`ing_`), and divide each source's rate limit; each kind
// counts only its own.
import type { Clock } from '../core/clock.js';
import { ID_PREFIXES } from '../core/ids.js';
import type { Store } from '../store/port.js';

export interface WorkerShare {
  /** Workers alive, this one included. */
  count: number;
  /** This worker's place among them (0-based, in id order). */
  rank: number;
}

export const SOLE_WORKER: WorkerShare = { count: 1, rank: 0 };

/** The kinds of process that beat: workers, and processes serving ingest (named as the kinds of their ids). */
export type AliveKind = 'worker' | 'ingester';

/** Workers not seen for this long are left out: a missed beat or two (a busy event loop) does not count. */
const MIN_ALIVE_WINDOW_MS = 5_000;
/** Rows of workers gone without leaving (killed) are deleted after this. */
const FORGET_AFTER_MS = 3_600_000;

/**
 * The part of `total` (a concurrency cap) one worker takes: the whole divided by the workers, the remainder one
 * each to the first ones. The parts add up to `total`; with more workers than `total`, the last ones get 0.
 */
export function shareOf(total: number, share: WorkerShare): number {
  return Math.floor(total / share.count) + (share.rank < total % share.count ? 1 : 0);
}

/**
 * The ids of `kind`'s processes alive at `now`, in id order, for processes beating every `intervalMs`. Only reads:
 * forgetting the rows of processes long gone is the heartbeat's work.
 */
async function liveOf(store: Store, kind: string, now: number, intervalMs: number): Promise<string[]> {
  const window = Math.max(3 * intervalMs, MIN_ALIVE_WINDOW_MS);
  const live = await store.workers.live(now - window);
  return live.filter((id) => id.startsWith(`${kind}_`));
}

/**
 * How many workers (or processes serving ingest) are alive, read without beating: for a process that is not one of
 * them, such as an API process reporting the workers when scraped. It writes nothing, so a scrape never takes the
 * write lock (SQLite) nor fails on a read-only replica.
 */
export async function countAlive(
  store: Store,
  kind: AliveKind,
  now: number,
  intervalMs: number,
): Promise<number> {
  return (await liveOf(store, ID_PREFIXES[kind], now, intervalMs)).length;
}

export class WorkerPresence {
  private share: WorkerShare = SOLE_WORKER;

  constructor(
    private readonly store: Store,
    readonly id: string,
    private readonly clock: Clock,
    /** How often `beat` is called: workers not seen for three of these (at least 5 s) count as gone. */
    private readonly intervalMs: number,
  ) {}

  current(): WorkerShare {
    return this.share;
  }

  /** Records this worker as alive, forgets the processes gone for long, and looks again at who else is. */
  async beat(): Promise<WorkerShare> {
    const now = this.clock.now();
    await this.store.workers.beat(this.id, now);
    await this.store.workers.forget(now - FORGET_AFTER_MS);
    const live = await liveOf(this.store, this.id.slice(0, this.id.indexOf('_')), now, this.intervalMs);
    const rank = live.indexOf(this.id);
    this.share = rank === -1 ? SOLE_WORKER : { count: live.length, rank };
    return this.share;
  }

  async leave(): Promise<void> {
    await this.store.workers.leave(this.id);
  }
}
