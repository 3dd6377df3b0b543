// Consumes Flovyn's lifecycle events from NATS (`flovyn.events.{org id}.>`, one subscription per mapped org) and
// commits each as an Eventhook event through the ingest committer, so rules route them like any other event.
//
// Flovyn publishes these with core NATS, fire and forget (reference/flovyn.md §2): by default, what is published
// while no Eventhook process listens is not kept anywhere. The processes of a deployment subscribe in one queue group
// (its NATS prefix), so each event is taken by one of them, while another deployment gets its own copy; Flovyn's event
// id is the event's idempotency key, so a copy that still arrives twice (a reconnect) is stored once.
//
// Durable (EVENTHOOK_FLOVYN_EVENTS_DURABLE=on, with JetStream on Flovyn's NATS): a stream, FLOVYN_EVENTS, keeps
// every `flovyn.events.>` message for a week whether anyone listens or not (JetStream stores core publishes on its
// subjects), and each deployment takes them through a durable consumer of its own, acknowledging each once committed:
// what Flovyn publishes while Eventhook is down or restarting is taken when it is back.
import { createHash } from 'node:crypto';
import { AckPolicy, DeliverPolicy, jetstreamManager, StorageType } from '@nats-io/jetstream';
import type { JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { NatsLink } from '../../../bus/nats-link.js';
import { DurableTaker } from '../../../jetstream/durable-taker.js';
import { ensureConsumer, ensureStream } from '../../../jetstream/streams.js';
import { streamName } from '../../../jetstream/subjects.js';
import type { Clock } from '../../../core/clock.js';
import type { SourceId } from '../../../core/ids.js';
import type { IngestItem, IngestOutcome } from '../../../store/port.js';
import type { ExecutionCauses } from './execution-causes.js';
import { lifecycleEvent, readLifecycle, SUBJECT_PREFIX } from './lifecycle-mapping.js';

/** Waits before the tries to commit an event again while the store fails; then it is dropped (and logged). */
const COMMIT_RETRY_MS = [250, 1_000, 4_000];
/**
 * The durable consumer of the deployment with NATS prefix `prefix`. Upper case with dots as `_` (`eventhook` →
 * `EVENTHOOK`, as before) only when no other prefix gives that name: a prefix of lower case letters, digits, `-` and
 * dots. One with `_` or capitals (which `a.b`/`a_b` and `eventhook`/`Eventhook` would otherwise share, each event then
 * reaching one deployment of the two) gets `_h` and a digest of the exact prefix appended; being in lower case, that
 * suffix is in no name of the first kind.
 */
export function flovynConsumerName(prefix: string): string {
  const name = streamName(prefix);
  if (/^[a-z0-9.-]+$/.test(prefix)) return name;
  return `${name}_h${createHash('sha256').update(prefix).digest('hex').slice(0, 12)}`;
}

/** The durable mode's stream, shared by every deployment on Flovyn's NATS (streams may not share subjects). */
export const FLOVYN_STREAM = 'FLOVYN_EVENTS';
const FLOVYN_STREAM_MAX_AGE_MS = 7 * 86_400_000;
/** Durable mode: an event whose commit failed comes back after this. */
const DURABLE_RETRY_MS = 5_000;

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
  /** Take the events from a JetStream stream through a durable consumer, instead of a core subscription. */
  durable?: boolean;
  /**
   * Whether the mapped org exists: an event for one that does not (never made, or deleted since) is skipped, where it
   * would be stored out of every key's sight (or outlive its org's purge).
   */
  orgExists?: (org: string) => Promise<boolean>;
}

export class FlovynLifecycleConsumer {
  private readonly link: NatsLink;
  private readonly commits = new Set<Promise<unknown>>();
  /** Durable mode: takes the events the stream kept. */
  private readonly taker: DurableTaker;
  /** Set once the link is closed: a commit that fails after it is not tried again. */
  private closed = false;
  /** Ends the waits of commits that failed and will try again. */
  private readonly wakers = new Set<() => void>();

  /** Connects in the background and keeps trying: a NATS outage never stops Eventhook from starting. */
  constructor(private readonly options: LifecycleConsumerOptions) {
    this.taker = new DurableTaker({
      stream: FLOVYN_STREAM,
      consumer: this.consumerName,
      purpose: 'Flovyn lifecycle events',
      logger: options.logger,
      remake: (connection) => this.ensureDurable(connection),
      take: (m) => this.takeKept(m),
    });
    this.link = new NatsLink({
      url: options.natsUrl,
      purpose: 'Flovyn lifecycle events',
      logger: options.logger,
      onConnect: async (connection) => {
        if (options.durable) {
          await this.ensureDurable(connection);
          void this.taker.run(connection);
          return;
        }
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
    await this.taker.close();
    await this.link.close();
    this.closed = true;
    for (const wake of [...this.wakers]) wake();
    await Promise.all(this.commits);
  }

  private take(subject: string, payload: string): void {
    const receivedAt = this.options.clock.now();
    const work = this.store(subject, payload, receivedAt, (step) => this.withRetries(step)).catch(
      (err: unknown) =>
        this.options.logger.error({ err, subject }, 'Flovyn lifecycle event could not be stored'),
    );
    this.commits.add(work);
    void work.finally(() => this.commits.delete(work));
  }

  /**
   * Maps the message and commits its event, each read and write of the store done through `attempt` (core NATS: a
   * few tries, as it will not send the event again; durable: once, the redelivery being the retry); a message that
   * is not an event is skipped (logged). The
   * event's time is `receivedAt`, when the message came, not when its cause was found (that may take most of a second
   * for an execution Eventhook did not start), so events keep the order they came in.
   */
  private async store(
    subject: string,
    payload: string,
    receivedAt: number,
    attempt: <T>(step: () => Promise<T>) => Promise<T>,
    streamSeq?: number,
  ): Promise<void> {
    const causes = this.options.causes;
    const message = readLifecycle(subject, payload, this.options.eventOrgs, streamSeq);
    const cause =
      'skip' in message || message.execution === undefined
        ? undefined
        : await attempt(async () => causes?.of(message.org, message.execution!));
    const mapped = 'skip' in message ? message : lifecycleEvent(message, receivedAt, cause);
    if ('skip' in mapped) {
      this.options.logger.warn({ subject, reason: mapped.skip }, 'Flovyn lifecycle event skipped');
      return;
    }
    const { event, flovynId } = mapped;
    const orgExists = this.options.orgExists;
    if (orgExists && !(await attempt(() => orgExists(event.org)))) {
      this.options.logger.warn(
        { subject, reason: `org ${event.org} does not exist (deleted?); fix EVENTHOOK_FLOVYN_EVENT_ORGS` },
        'Flovyn lifecycle event skipped',
      );
      return;
    }
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
    await attempt(() => this.options.commit(item));
  }

  /**
   * NATS will not send the event again, so a store that fails for a moment gets a few more tries (looking the cause
   * up and the org as much as committing), until closing: then the wait ends at once and the event is given up (and
   * logged).
   */
  private async withRetries<T>(step: () => Promise<T>): Promise<T> {
    for (const wait of COMMIT_RETRY_MS) {
      try {
        return await step();
      } catch (err) {
        if (this.closed) throw err;
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
    return step();
  }

  /** The deployment's durable consumer: named after its NATS prefix, from the events published after it was made. */
  private get consumerName(): string {
    return flovynConsumerName(this.options.queueGroup);
  }

  private async ensureDurable(connection: NatsConnection): Promise<void> {
    const jsm = await jetstreamManager(connection);
    await ensureStream(
      jsm,
      { name: FLOVYN_STREAM, storage: StorageType.File },
      { subjects: [`${SUBJECT_PREFIX}.>`], max_age: nanos(FLOVYN_STREAM_MAX_AGE_MS) },
      this.options.logger,
    );
    await ensureConsumer(
      jsm,
      FLOVYN_STREAM,
      { durable_name: this.consumerName, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.New },
      { ack_wait: nanos(30_000) },
    );
  }

  /**
   * One kept event: stored (or skipped), then acknowledged. Committed once: one that cannot be stored is handed back,
   * and JetStream's redelivery is the retry.
   */
  private async takeKept(m: JsMsg): Promise<void> {
    // The stream keeps every org's events; another deployment's orgs are none of this one's business.
    if (this.options.eventOrgs.has(m.subject.split('.')[2] ?? '')) {
      try {
        // The stream sequence tells a redelivery (a commit that landed but was taken for failed, an ack lost) from
        // another publish of the same content, for payloads that carry no id of their own.
        await this.store(m.subject, m.string(), this.options.clock.now(), (step) => step(), m.seq);
      } catch (err) {
        this.options.logger.error(
          { err, subject: m.subject },
          'Flovyn lifecycle event could not be stored; it comes back',
        );
        return m.nak(DURABLE_RETRY_MS);
      }
    }
    m.ack();
  }
}
