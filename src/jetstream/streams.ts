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
export type StreamSettings = Pick<StreamConfig, 'subjects' | 'max_age' | 'duplicate_window' | 'num_replicas'>;

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
    await jsm.streams.add({ ...created, ...settings });
    logger.info({ stream: created.name }, 'created a JetStream stream');
    return;
  }
  await jsm.streams.update(created.name, settings);
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
