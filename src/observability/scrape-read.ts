// A store read behind gauges that Prometheus scrapes: a scrape must answer even when the store does not.
import { within } from '../core/within.js';

/**
 * A scrape waits no longer than this for the store by default (EVENTHOOK_METRICS_STORE_TIMEOUT); the gauges then keep
 * their last values.
 */
export const SCRAPE_READ_TIMEOUT_MS = 2_000;

export class ScrapeRead {
  /** The read under way: the gauges of one scrape share it, and a slow one is never started twice. */
  private reading: Promise<void> | undefined;

  constructor(
    /** Reads and sets the gauges; reports its own failures (the gauges then keep their last values). */
    private readonly read: () => Promise<void>,
    /** Called when a scrape stops waiting for the read. */
    private readonly onSlow: (timeoutMs: number) => void,
    private readonly timeoutMs = SCRAPE_READ_TIMEOUT_MS,
  ) {}

  /** Resolves when the read does, or after the timeout with the gauges as they were. */
  refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return within(this.reading, this.timeoutMs, () => this.onSlow(this.timeoutMs));
  }
}
