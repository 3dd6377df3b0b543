// Creating the streams Eventhook owns, or bringing an existing one to the configured settings, on each connection.
import {
  JetStreamApiCodes,
  JetStreamApiError,
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
