// The backlog gauges (SPEC §10 "queue depth"): what waits in the store, across every process on it, read when
// Prometheus scrapes rather than kept up to date on the ingest and delivery paths.
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Backlog } from '../store/port.js';
import { ScrapeRead, SCRAPE_READ_TIMEOUT_MS } from './scrape-read.js';

/** Each count stops here: a scrape reads at most this many index entries per figure, however deep the backlog. */
export const BACKLOG_COUNT_CAP = 100_000;

export interface BacklogSource {
  /** Reads the backlog at `now` with counts capped at `cap`. */
  read(now: number, cap: number): Promise<Backlog>;
}

export class BacklogGauges {
  private readonly waiting: Gauge<'status'>;
  private readonly dead: Gauge;
  private readonly unrouted: Gauge;
  private readonly oldestDue: Gauge;

  constructor(
    registry: Registry,
    private readonly source: BacklogSource,
    private readonly now: () => number,
    private readonly logger: Logger,
    timeoutMs = SCRAPE_READ_TIMEOUT_MS,
  ) {
    const scrape = new ScrapeRead(
      () => this.read(),
      (ms) =>
        logger.warn({ timeoutMs: ms }, 'backlog gauges: the store read is slow; showing the last values'),
      timeoutMs,
    );
    const refresh = () => scrape.refresh();
    this.waiting = new Gauge({
      name: 'eventhook_actions_waiting',
      help:
        'Actions waiting for an attempt, by status: due (now, or their lease ran out), scheduled (for later), ' +
        `held (until woken, e.g. a paused endpoint). Counted up to ${BACKLOG_COUNT_CAP}.`,
      labelNames: ['status'] as const,
      registers: [registry],
      collect: refresh,
    });
    this.dead = new Gauge({
      name: 'eventhook_actions_dead',
      help: `Dead actions (the dead-letter queues of every org). Counted up to ${BACKLOG_COUNT_CAP}.`,
      registers: [registry],
      collect: refresh,
    });
    this.unrouted = new Gauge({
      name: 'eventhook_events_unrouted',
      help: `Events received and committed but not routed yet. Counted up to ${BACKLOG_COUNT_CAP}.`,
      registers: [registry],
      collect: refresh,
    });
    this.oldestDue = new Gauge({
      name: 'eventhook_actions_oldest_due_seconds',
      help: 'How long the action due longest has been due (0 when none is).',
      registers: [registry],
      collect: refresh,
    });
  }

  private async read(): Promise<void> {
    const now = this.now();
    let b: Backlog;
    try {
      b = await this.source.read(now, BACKLOG_COUNT_CAP);
    } catch (err) {
      this.logger.error({ err }, 'backlog gauges: reading the store failed; showing the last values');
      return;
    }
    this.waiting.set({ status: 'due' }, b.due);
    this.waiting.set({ status: 'scheduled' }, b.scheduled);
    this.waiting.set({ status: 'held' }, b.held);
    this.dead.set(b.dead);
    this.unrouted.set(b.unrouted);
    this.oldestDue.set(b.oldestDueAt === null ? 0 : Math.max(0, now - b.oldestDueAt) / 1000);
  }
}
