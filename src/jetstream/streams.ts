// Creating the streams and durable consumers Eventhook owns, or bringing existing ones to the configured settings, on
// each connection.
import {
  JetStreamApiCodes,
  JetStreamApiError,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';

/** What may change on an existing stream (its name, storage and retention stay as created). */
export type StreamSettings = Pick<
  StreamConfig,
  'subjects' | 'max_age' | 'max_bytes' | 'duplicate_window' | 'num_replicas'
>;

/** How long the event log's stream remembers a message id, so a message published twice is stored once. */
export const LOG_DUPLICATE_WINDOW_MS = 5 * 60_000;
/** The JetStream API's answer when another process made the stream a moment before (with other settings). */
const STREAM_NAME_IN_USE = 10058;

export async function ensureStream(
  jsm: JetStreamManager,
  created: Partial<StreamConfig> & { name: string },
  settings: Partial<StreamSettings>,
  logger: Logger,
): Promise<void> {
  try {
    await jsm.streams.info(created.name);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
    try {
      await jsm.streams.add({ ...created, ...settings });
      logger.info({ stream: created.name }, 'created a JetStream stream');
      return;
    } catch (addErr) {
      // Made meanwhile by another process (the intake and the event log may both make the log's stream): update it.
      if (!(addErr instanceof JetStreamApiError && addErr.code === STREAM_NAME_IN_USE)) throw addErr;
    }
  }
  const { config } = await jsm.streams.info(created.name);
  refuseOthers(created.name, config.subjects, settings.subjects);
  await jsm.streams.update(created.name, settings);
}

/**
 * A stream's name cannot tell every prefix apart (`a.b` and `a_b` both name `A_B`; `Acme` and `acme` both `ACME`), and
 * an update sets the subjects: a second deployment would take the first one's stream over, its log and intake then
 * capturing the wrong subjects. A stream whose subjects are not the ones this configuration makes is someone else's.
 */
function refuseOthers(
  name: string,
  theirs: readonly string[] | undefined,
  ours: readonly string[] | undefined,
): void {
  if (ours === undefined) return;
  const same = theirs !== undefined && theirs.length === ours.length && ours.every((s) => theirs.includes(s));
  if (same) return;
  throw new Error(
    `JetStream stream ${name} already exists for other subjects (${(theirs ?? []).join(', ') || 'none'}; ` +
      `this configuration needs ${ours.join(', ')}): it belongs to another deployment or application, and is ` +
      `left as it is — choose an EVENTHOOK_NATS_PREFIX whose stream name (upper case, dots as _) is free`,
  );
}

/** What may change on an existing durable consumer (how it acknowledges and where it started stay as created). */
export type ConsumerSettings = Pick<ConsumerConfig, 'ack_wait' | 'max_ack_pending'>;

export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  created: Partial<ConsumerConfig> & { durable_name: string },
  settings: Partial<ConsumerSettings>,
): Promise<void> {
  try {
    await jsm.consumers.info(stream, created.durable_name);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)) throw err;
    await jsm.consumers.add(stream, { ...created, ...settings });
    return;
  }
  await jsm.consumers.update(stream, created.durable_name, settings);
}
