// Consumes Flovyn's lifecycle events from NATS (`flovyn.events.{org id}.>`, one subscription per mapped org) and
// commits each as an Eventhook event through the ingest committer, so rules route them like any other event.
//
// Flovyn publishes these with core NATS, fire and forget (reference/flovyn.md §2): what is published while no
// Eventhook process listens is not kept anywhere, and nothing here can change that. The processes of a deployment
// subscribe in one queue group (its NATS prefix), so each event is taken by one of them, while another deployment
// gets its own copy; Flovyn's event id is the event's idempotency key, so a copy that still arrives twice (a
// reconnect) is stored once.
import type { Logger } from 'pino';
import { NatsLink } from '../../../bus/nats-link.js';
import type { Clock } from '../../../core/clock.js';
import type { SourceId } from '../../../core/ids.js';
import type { IngestItem, IngestOutcome } from '../../../store/port.js';
import type { ExecutionCauses } from './execution-causes.js';
import { lifecycleEvent, readLifecycle, SUBJECT_PREFIX } from './lifecycle-mapping.js';

/** Waits before the tries to commit an event again while the store fails; then it is dropped (and logged). */
const COMMIT_RETRY_MS = [250, 1_000, 4_000];

export interface LifecycleConsumerOptions {
  natsUrl: string;
  /** The deployment's queue group: each event goes to one of its processes. */
  queueGroup: string;
  /** Flovyn org id → Eventhook org. */
  eventOrgs: ReadonlyMap<string, string>;
  commit: (item: IngestItem) => Promise<IngestOutcome>;
  clock: Clock;
  dedupWindowMs: number;
  logger: Logger;
  /** Causes of the executions the deployment started on Flovyn (their events' hop counts); none with the local engine. */
  causes?: ExecutionCauses;
}

export class FlovynLifecycleConsumer {
  private readonly link: NatsLink;
  private readonly commits = new Set<Promise<unknown>>();
  /** Set once the link is closed: a commit that fails after it is not tried again. */
  private closed = false;
  /** Ends the waits of commits that failed and will try again. */
  private readonly wakers = new Set<() => void>();

  /** Connects in the background and keeps trying: a NATS outage never stops Eventhook from starting. */
  constructor(private readonly options: LifecycleConsumerOptions) {
    this.link = new NatsLink({
      url: options.natsUrl,
      purpose: 'Flovyn lifecycle events',
      logger: options.logger,
      onConnect: (connection) => {
        for (const flovynOrg of options.eventOrgs.keys())
          connection.subscribe(`${SUBJECT_PREFIX}.${flovynOrg}.>`, {
            queue: options.queueGroup,
            callback: (err, msg) => {
              if (err) options.logger.error({ err }, 'Flovyn lifecycle subscription failed');
              else this.take(msg.subject, msg.string());
            },
          });
      },
    });
  }

  /** For readiness: whether lifecycle events can arrive now. */
  get state(): 'connecting' | 'connected' | 'closed' {
    return this.link.state;
  }

  /**
   * Takes what NATS already sent (the link drains them when the server is there), then waits for those events to be
   * committed; one waiting to try again after a failed commit is given up.
   */
  async close(): Promise<void> {
    await this.link.close();
    this.closed = true;
    for (const wake of [...this.wakers]) wake();
    await Promise.all(this.commits);
  }

  private take(subject: string, payload: string): void {
    const work = this.store(subject, payload).catch((err: unknown) =>
      this.options.logger.error({ err, subject }, 'Flovyn lifecycle event could not be stored'),
    );
    this.commits.add(work);
    void work.finally(() => this.commits.delete(work));
  }

  private async store(subject: string, payload: string): Promise<void> {
    const message = readLifecycle(subject, payload, this.options.eventOrgs);
    const cause =
      'skip' in message || message.execution === undefined
        ? undefined
        : await this.options.causes?.of(message.execution);
    const mapped = 'skip' in message ? message : lifecycleEvent(message, this.options.clock.now(), cause);
    if ('skip' in mapped) {
      this.options.logger.warn({ subject, reason: mapped.skip }, 'Flovyn lifecycle event skipped');
      return;
    }
    const { event, flovynId } = mapped;
    const item: IngestItem = {
      event,
      ...(flovynId !== null
        ? {
            dedup: {
              sourceId: `flovyn:${event.org}` as SourceId,
              key: flovynId,
              windowMs: this.options.dedupWindowMs,
            },
          }
        : {}),
    };
    await this.commitWithRetries(item);
  }

  /**
   * NATS will not send the event again, so a store that fails for a moment gets a few more tries, until closing:
   * then the wait ends at once and the event is given up (and logged).
   */
  private async commitWithRetries(item: IngestItem): Promise<void> {
    for (const wait of [...COMMIT_RETRY_MS, null]) {
      try {
        await this.options.commit(item);
        return;
      } catch (err) {
        if (wait === null || this.closed) throw err;
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(timer);
            this.wakers.delete(wake);
            resolve();
          };
          const timer = setTimeout(wake, wait);
          this.wakers.add(wake);
        });
        if (this.closed) throw err;
      }
    }
  }
}
