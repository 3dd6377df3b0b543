// Events applications publish over NATS (EVENTHOOK_JETSTREAM_INTAKE=on): a JetStream work queue on `{prefix}.in.>`,
// taken by a durable consumer that every ingest process of the deployment shares, so each message goes to one of
// them. A message is acknowledged only once its event is committed (as POST /events commits it), so one that a
// process took and then lost — it crashed, the store failed — comes back, and messages published while Eventhook is
// down wait in the queue. A message that comes back after its event was committed is a duplicate of that event: its
// id (the producer's `id`, else the message's stream sequence) is the event's idempotency key. A message that can
// never become an event (not a JSON object, an unknown org, an invalid event) is kept on
// `{prefix}.log.rejected.{org}` with the reason, and leaves the queue only once JetStream has stored it there.
import { KnownOrgs } from '../access/known-orgs.js';
import {
  AckPolicy,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { Match, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { NatsLink } from '../bus/nats-link.js';
import { describeIssues, EventhookError, invalid, pointerToken } from '../core/errors.js';
import { exactIntegersIn, type ExactIntegers } from '../core/exact-integers.js';
import { schemaIssues } from '../core/schema-issues.js';
import { eventFromBinary, eventFromObject } from '../ingest/cloud-events.js';
import { decodeUtf8 } from '../ingest/text-decoding.js';
import type { PublishedEvent } from '../ingest/publish-service.js';
import {
  CLOUD_EVENT_ATTRIBUTE_NAME,
  CLOUD_EVENT_ATTRIBUTE_NAME_RULE,
  PublishedEventIn,
} from '../ingest/published-event-schema.js';
import { logFailure } from '../observability/log-failure.js';
import type { IngestOutcome, OrgsRepo } from '../store/port.js';
import { DurableTaker } from './durable-taker.js';
import { ensureRefusalsKept, keepRefusal } from './refusals.js';
import { ensureConsumer, ensureStream } from './streams.js';
import { intakeOrg, intakeStreamName, intakeSubjects } from './subjects.js';

/** The durable consumer the deployment's processes share. */
const INTAKE_CONSUMER = 'eventhook';
/** Messages out at once, unacknowledged, across the deployment: the bound on work in flight. */
const MAX_ACK_PENDING = 1_000;
/** After a failure to commit (the store) or to keep a refused message, the message comes back after this. */
const RETRY_MS = 5_000;

export interface IntakeOptions {
  url: string;
  prefix: string;
  /** A message not acknowledged within this is given to another process (or again to this one). */
  ackWaitMs: number;
  /** How long refused messages are kept when the intake makes the stream that keeps them; 0: size-bound only. */
  maxAgeMs: number;
  /** Commits one event of `org` as POST /events does; throws EH_EVENT_INVALID for an invalid one. */
  publish: (org: string, events: PublishedEvent[], exact?: ExactIntegers) => Promise<IngestOutcome[]>;
  orgs: Pick<OrgsRepo, 'get'>;
  logger: Logger;
  onRejected?: () => void;
  onRetried?: () => void;
}

export class JetStreamIntake {
  private readonly link: NatsLink;
  private readonly taker: DurableTaker;
  private readonly knownOrgs: KnownOrgs;
  /** A failing store is logged once until a commit succeeds again. */
  private failing = false;
  /** Likewise a refused message that could not be kept. */
  private keepFailing = false;

  constructor(private readonly options: IntakeOptions) {
    this.knownOrgs = new KnownOrgs(options.orgs);
    this.taker = new DurableTaker({
      stream: intakeStreamName(options.prefix),
      consumer: INTAKE_CONSUMER,
      purpose: 'JetStream intake',
      logger: options.logger,
      remake: (connection) => this.ensureStreams(connection),
      take: (m, connection) => this.take(connection, m),
    });
    this.link = new NatsLink({
      url: options.url,
      purpose: 'JetStream intake',
      logger: options.logger,
      onConnect: async (connection) => {
        await this.ensureStreams(connection);
        void this.taker.run(connection);
      },
    });
  }

  get state(): 'connecting' | 'connected' | 'closed' {
    return this.link.state;
  }

  /** Stops taking messages and waits for those taken; what they did not finish comes back to another process. */
  async close(): Promise<void> {
    await this.taker.close();
    await this.link.close();
  }

  private async take(connection: NatsConnection, m: JsMsg): Promise<void> {
    const org = intakeOrg(this.options.prefix, m.subject);
    let event: PublishedEvent;
    let text: string;
    try {
      ({ event, text } = eventOf(m));
    } catch (err) {
      return this.reject(connection, m, org, err instanceof Error ? err.message : String(err));
    }
    try {
      if (org === undefined || !(await this.knownOrgs.exists(org)))
        return this.reject(
          connection,
          m,
          org,
          `no org ${org ?? '(none)'}: publish to ${this.options.prefix}.in.{org}`,
        );
      // Without the producer's id, the message's place in the stream: the same message redelivered is a duplicate.
      await this.options.publish(org, [{ ...event, id: event.id ?? `nats:${m.seq}` }], exactIntegersIn(text));
    } catch (err) {
      if (err instanceof EventhookError && err.code === 'EH_EVENT_INVALID')
        return this.reject(connection, m, org, err.issues ? describeIssues(err.issues) : err.message);
      if (!this.failing)
        logFailure(
          this.options.logger,
          err,
          { subject: m.subject },
          'JetStream intake: committing failed; the message comes back',
        );
      this.failing = true;
      this.options.onRetried?.();
      m.nak(RETRY_MS);
      return;
    }
    this.failing = false;
    m.ack();
  }

  /**
   * Keeps the message with the reason on the rejected subject, and takes it out of the queue only once JetStream has
   * stored it there. If it cannot be stored (the stream that keeps refusals was deleted by hand, NATS is away), the
   * message stays in the queue and comes back: a refusal is never lost after its reason was logged.
   */
  private async reject(
    connection: NatsConnection,
    m: JsMsg,
    org: string | undefined,
    reason: string,
  ): Promise<void> {
    try {
      await keepRefusal(connection, this.options.prefix, m, org, reason);
    } catch (err) {
      if (!this.keepFailing)
        this.options.logger.error(
          { err, subject: m.subject, reason },
          'JetStream intake: a refused message could not be kept; it comes back',
        );
      this.keepFailing = true;
      this.options.onRetried?.();
      // The stream that keeps refusals may have been deleted: made again for the message's next turn.
      await jetstreamManager(connection)
        .then((jsm) => ensureRefusalsKept(jsm, this.options))
        .catch(() => {});
      m.nak(RETRY_MS);
      return;
    }
    this.keepFailing = false;
    this.options.logger.warn({ subject: m.subject, reason }, 'JetStream intake: message refused');
    this.options.onRejected?.();
    // Acknowledged, not terminated: a work queue keeps a terminated message for good.
    m.ack();
  }

  private async ensureStreams(connection: NatsConnection): Promise<void> {
    const jsm = await jetstreamManager(connection);
    await this.ensureQueue(jsm);
    await ensureRefusalsKept(jsm, this.options);
  }

  private async ensureQueue(jsm: JetStreamManager): Promise<void> {
    const stream = intakeStreamName(this.options.prefix);
    await ensureStream(
      jsm,
      { name: stream, storage: StorageType.File, retention: RetentionPolicy.Workqueue },
      { subjects: [intakeSubjects(this.options.prefix)] },
      this.options.logger,
    );
    await ensureConsumer(
      jsm,
      stream,
      { durable_name: INTAKE_CONSUMER, ack_policy: AckPolicy.Explicit },
      { ack_wait: nanos(this.options.ackWaitMs), max_ack_pending: MAX_ACK_PENDING },
    );
  }
}

/**
 * The event a message carries, and the message as text (for its integers beyond 2^53): CloudEvents binary mode when it has a `ce-specversion` header (attributes in `ce-*`
 * headers, the body as data), else a JSON object — a CloudEvent in structured mode when it says so (`specversion`,
 * or a CloudEvents content-type header), which may carry extension attributes; otherwise an event as `POST /events`
 * takes it as application/json, whose misspelt field (`dtaa`) is refused rather than its value dropped.
 */
function eventOf(m: JsMsg): { event: PublishedEvent; text: string } {
  const headers = m.headers;
  if (headers?.get('ce-specversion', Match.IgnoreCase))
    return {
      event: eventFromBinary((name) => headers.get(name, Match.IgnoreCase) || undefined, Buffer.from(m.data)),
      text: m.string(),
    };
  // Strictly: a lenient decode (m.json()) would store U+FFFD for each byte that is not UTF-8, as POST /events refuses.
  const text = decodeUtf8(m.data);
  if (text === undefined) throw new Error('the message is not UTF-8 text');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('the message is not a JSON object (nor a CloudEvent in binary mode)');
  const cloudEvent =
    'specversion' in parsed || /cloudevents/i.test(headers?.get('content-type', Match.IgnoreCase) ?? '');
  // A CloudEvent may have any field whose name is an attribute name (CloudEventIn, which says no more: its values are
  // the publish service's to check, and TypeBox does not read propertyNames, so only the names are checked here).
  const issues = cloudEvent
    ? Object.keys(parsed)
        .filter((name) => !CLOUD_EVENT_ATTRIBUTE_NAME.test(name))
        .map((name) => ({
          path: `/${pointerToken(name)}`,
          message: `is not a known field (${CLOUD_EVENT_ATTRIBUTE_NAME_RULE})`,
        }))
    : schemaIssues(PublishedEventIn, parsed);
  if (issues.length > 0) throw invalid(issues, 'EH_EVENT_INVALID');
  return { event: eventFromObject(parsed), text };
}
