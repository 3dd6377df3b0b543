// Where the intake keeps the messages it refuses: `{prefix}.log.rejected.{org}`, stored by the event log's stream, which
// the intake makes itself when the log is off. Published with JetStream, so the intake knows a refusal is stored
// before it takes the message out of its queue.
import {
  jetstream,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { headers, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { ensureStream, LOG_DUPLICATE_WINDOW_MS } from './streams.js';
import { logSubjects, rejectedSubject, streamName } from './subjects.js';

/** The size bound of the log's stream when the intake makes it to keep refusals only (the log is off). */
export const REFUSALS_MAX_BYTES = 64 * 1024 * 1024;
const PUBLISH_TIMEOUT_MS = 5_000;
/** The reason header is cut to this. */
const MAX_REASON = 2_000;
/** Room left for the headers when a refused body is close to NATS's message size limit. */
const HEADER_ROOM = 8_192;

/**
 * Makes sure a stream stores the rejected subjects. The event log's stream does (it takes `{prefix}.log.>`) once the
 * log is on in any process of the deployment. Without it, the intake makes that same stream, bounded in age and size
 * since it holds only refusals, and the log takes it over, without the size bound, when it is turned on. The road not
 * taken: a stream of the intake's own on `{prefix}.log.rejected.>`, which NATS would refuse beside the log's (the
 * subjects of two streams may not overlap), so the log could not be turned on later.
 */
export async function ensureRefusalsKept(
  jsm: JetStreamManager,
  options: { prefix: string; maxAgeMs: number; logger: Logger },
): Promise<void> {
  const { prefix, maxAgeMs, logger } = options;
  try {
    await jsm.streams.find(rejectedSubject(prefix, undefined));
    return;
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
  }
  await ensureStream(
    jsm,
    {
      name: streamName(prefix),
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: nanos(maxAgeMs),
      max_bytes: REFUSALS_MAX_BYTES,
      duplicate_window: nanos(LOG_DUPLICATE_WINDOW_MS),
    },
    { subjects: [logSubjects(prefix)] },
    logger,
  );
}

/**
 * Publishes the refused message `m` with the reason, resolving once JetStream stored it; throws when it did not. The
 * message id makes a message refused twice (its process died before acknowledging it) one stored copy.
 */
export async function keepRefusal(
  connection: NatsConnection,
  prefix: string,
  m: JsMsg,
  org: string | undefined,
  reason: string,
): Promise<void> {
  const h = headers();
  // A header value may not hold a line break.
  h.set('Eventhook-Error', reason.replace(/[\r\n]+/g, ' ').slice(0, MAX_REASON));
  h.set('Eventhook-Subject', m.subject);
  let data = m.data;
  const room = (connection.info?.max_payload ?? 1024 * 1024) - HEADER_ROOM;
  if (data.length > room) {
    // With the headers it would no longer fit in a NATS message: its beginning is kept, and its size said.
    h.set('Eventhook-Truncated', String(data.length));
    data = data.subarray(0, room);
  }
  await jetstream(connection, { timeout: PUBLISH_TIMEOUT_MS }).publish(rejectedSubject(prefix, org), data, {
    headers: h,
    msgID: `rejected.${m.seq}.${m.info.timestampNanos}`,
  });
}
