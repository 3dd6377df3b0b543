// The JetStream event log (SPEC §9, EVENTHOOK_JETSTREAM=on): every routed event, as its envelope, in a durable NATS
// stream that other systems consume with their own durable or work-queue consumers, acknowledging and redelivering as
// JetStream does, and replay by time or sequence; dead deliveries once more on a dead-letter subject.
//
// The store stays the truth. The router writes each routed event to an outbox in its own transaction; this publisher
// takes the outbox in order, publishes with a message id JetStream de-duplicates on, and forgets an entry only once
// JetStream acknowledged it. So a crash or a NATS outage delays events, never loses them; a publisher that dies
// between the acknowledgement and forgetting publishes again, and JetStream drops that copy within its duplicate
// window; several processes may publish the same entry for the same reason.
import { headers, nanos, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, StorageType, type JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { NatsLink } from '../bus/nats-link.js';
import { SYSTEM_SOURCES } from '../core/envelope.js';
import { stringifyExact } from '../core/exact-integers.js';
import { toEnvelope } from '../events/publisher.js';
import type { Store } from '../store/port.js';
import type { EventRecord, OutboxEntry } from '../store/records.js';
import { ensureStream, LOG_DUPLICATE_WINDOW_MS } from './streams.js';
import { deadActionSubject, deadLetterSubject, eventSubject, logSubjects, streamName } from './subjects.js';

/** Entries published per pass; their acknowledgements are awaited together. */
const BATCH = 256;
const PUBLISH_TIMEOUT_MS = 5_000;

export interface EventLogOptions {
  url: string;
  /** The deployment's NATS prefix: subjects under `{prefix}.log.`, stream named after it. */
  prefix: string;
  replicas: number;
  /** How long the stream keeps a message; 0 keeps them until removed by hand. */
  maxAgeMs: number;
  store: Store;
  logger: Logger;
  now: () => number;
  onPublished?: (kind: 'event' | 'dead_letter') => void;
  onLag?: (seconds: number) => void;
  /** Each time the stream is ready on a new connection: what waited in the outbox can go now. */
  onReady?: () => void;
}

export class JetStreamEventLog {
  private readonly link: NatsLink;
  private client: JetStreamClient | undefined;
  /** A failed publish is logged once until one succeeds again, so an outage does not flood the log. */
  private failing = false;

  constructor(private readonly options: EventLogOptions) {
    this.link = new NatsLink({
      url: options.url,
      purpose: 'JetStream event log',
      logger: options.logger,
      onConnect: async (connection) => {
        await this.ensureStream(connection);
        this.client = jetstream(connection, { timeout: PUBLISH_TIMEOUT_MS });
        options.onReady?.();
      },
    });
  }

  /** For readiness: connected once the stream exists and the link is up. */
  get state(): 'connecting' | 'connected' | 'closed' {
    const state = this.link.state;
    return state === 'connected' && !this.client ? 'connecting' : state;
  }

  get stream(): string {
    return streamName(this.options.prefix);
  }

  /** One pass: publishes the oldest waiting entries; `more` when a full batch went and others may wait. */
  async publishPending(): Promise<{ more: boolean }> {
    const { store } = this.options;
    const client = this.client;
    if (!client || this.link.state !== 'connected') {
      await this.reportLag();
      return { more: false };
    }
    if (this.failing) {
      // The server may have come back without the stream (its storage lost): make it again before publishing.
      const connection = this.link.current;
      if (!connection) return { more: false };
      try {
        await this.ensureStream(connection);
      } catch {
        await this.reportLag();
        return { more: false };
      }
    }
    const entries = await store.outbox.next(BATCH);
    // How far behind the log is: the age of the oldest entry waiting when the pass began.
    this.options.onLag?.(entries.length === 0 ? 0 : this.ageOf(entries[0]!.createdAt));
    if (entries.length === 0) return { more: false };
    const events = new Map(
      (await store.events.getMany([...new Set(entries.map((e) => e.eventId))])).map((e) => [e.id, e]),
    );
    // Sent together, in order, over one connection, so the stream keeps the outbox's order.
    const results = await Promise.allSettled(
      entries.map((entry) => {
        const event = events.get(entry.eventId);
        // Gone with retention while NATS was away: nothing left to publish.
        return event ? this.publish(client, entry, event) : Promise.resolve();
      }),
    );
    // Not flushed to disk: an entry whose removal a crash undoes is published again, and JetStream drops the copy.
    await store.relaxed((tx) =>
      tx.outbox.remove(entries.filter((_, i) => results[i]!.status === 'fulfilled')),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      if (!this.failing)
        this.options.logger.error(
          { err: failed.reason, stream: this.stream },
          'publishing to the JetStream event log failed; the events wait in the outbox',
        );
      this.failing = true;
      await this.reportLag();
      return { more: false };
    }
    if (this.failing)
      this.options.logger.info({ stream: this.stream }, 'JetStream event log publishing again');
    this.failing = false;
    return { more: entries.length === BATCH };
  }

  async close(): Promise<void> {
    this.client = undefined;
    await this.link.close();
  }

  private async publish(client: JetStreamClient, entry: OutboxEntry, event: EventRecord): Promise<void> {
    const { prefix } = this.options;
    const msgId = `${event.id}.${entry.routeSeq}`;
    const h = headers();
    h.set('Eventhook-Event-Id', event.id);
    h.set('Eventhook-Org', event.org);
    h.set('Eventhook-Source', event.source);
    h.set('Eventhook-Type', event.type);
    h.set('Eventhook-Route-Seq', String(entry.routeSeq));
    if (event.traceparent) h.set('traceparent', event.traceparent);
    const body = stringifyExact(toEnvelope(event), event.exactIntegers);
    const sends = [
      client
        .publish(eventSubject(prefix, event.org, event.type), body, { msgID: msgId, headers: h })
        .then(() => this.options.onPublished?.('event')),
    ];
    const dlq = deadLetterOf(prefix, event);
    if (dlq !== undefined) {
      sends.push(
        client
          .publish(dlq, body, { msgID: `${msgId}.dlq`, headers: h })
          .then(() => this.options.onPublished?.('dead_letter')),
      );
    }
    await Promise.all(sends);
  }

  private async reportLag(): Promise<void> {
    if (!this.options.onLag) return;
    const oldest = await this.options.store.outbox.oldest();
    this.options.onLag(oldest === undefined ? 0 : this.ageOf(oldest));
  }

  private ageOf(createdAt: number): number {
    return Math.max(0, this.options.now() - createdAt) / 1000;
  }

  /**
   * Creates the stream, or brings an existing one's subjects, age, window and replicas to this configuration. The
   * intake may have made it, bounded in size, to keep the messages it refused while the log was off: the log takes
   * it over without that bound. A publisher restarted within the duplicate window publishes no duplicate.
   */
  private async ensureStream(connection: NatsConnection): Promise<void> {
    await ensureStream(
      await jetstreamManager(connection),
      { name: this.stream, storage: StorageType.File },
      {
        subjects: [logSubjects(this.options.prefix)],
        max_age: nanos(this.options.maxAgeMs),
        max_bytes: -1,
        duplicate_window: nanos(LOG_DUPLICATE_WINDOW_MS),
        num_replicas: this.options.replicas,
      },
      this.options.logger,
    );
  }
}

/** The dead-letter subject of Eventhook's own `delivery.dead` and `action.dead` events (subject: the endpoint or the target type). */
function deadLetterOf(prefix: string, event: EventRecord): string | undefined {
  if (event.source !== SYSTEM_SOURCES.eventhook || !event.subject) return undefined;
  if (event.type === 'delivery.dead') return deadLetterSubject(prefix, event.org, event.subject);
  if (event.type === 'action.dead') return deadActionSubject(prefix, event.org, event.subject);
  return undefined;
}
