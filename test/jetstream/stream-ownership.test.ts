// A stream's name is the NATS prefix in upper case with dots as `_`, so two prefixes can name the same stream (`x.a`
// and `x_a`). The second deployment must not take the first one's stream over: it refuses to use it, says why, and
// the first deployment's stream keeps its subjects. Against the real NATS server on 127.0.0.1:4222.
import { randomUUID } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JetStreamEventLog } from '../../src/jetstream/event-log.js';
import { logSubjects, streamName } from '../../src/jetstream/subjects.js';
import type { Store } from '../../src/store/port.js';
import { eventually } from '../helpers/app.js';
import { capturedLogger } from '../helpers/logs.js';
import { tcpAvailable } from '../helpers/services.js';

const URL = 'nats://127.0.0.1:4222';
const natsUp = await tcpAvailable('NATS', '127.0.0.1', 4222);

describe.skipIf(!natsUp)('JetStream: a stream another prefix named first is left alone', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const base = `eh-own-${randomUUID().slice(0, 8)}`;
  const first = `${base}.a`;
  const second = `${base}_a`;
  const logs: JetStreamEventLog[] = [];

  const startLog = (prefix: string, logger = capturedLogger().logger) => {
    const log = new JetStreamEventLog({
      url: URL,
      prefix,
      replicas: 1,
      maxAgeMs: 0,
      store: {} as Store,
      logger,
      now: () => Date.now(),
    });
    logs.push(log);
    return log;
  };

  beforeAll(async () => {
    nc = await connect({ servers: URL });
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    for (const log of logs) await log.close();
    await jsm.streams.delete(streamName(first)).catch(() => {});
    await nc?.close();
  });

  it('refuses a stream whose subjects are not its own, and the owner keeps its log', async () => {
    expect(streamName(first)).toBe(streamName(second));
    const owner = startLog(first);
    await eventually(
      async () => owner.state === 'connected' || undefined,
      10_000,
      'the first log to connect',
    );

    const captured = capturedLogger();
    const intruder = startLog(second, captured.logger);
    const said = await eventually(
      async () => captured.lines.find((l) => /already exists for other subjects/.test(JSON.stringify(l))),
      10_000,
      'the second log to refuse the stream',
    );
    expect(JSON.stringify(said)).toContain(logSubjects(first));
    expect(JSON.stringify(said)).toContain('EVENTHOOK_NATS_PREFIX');
    expect(intruder.state).toBe('connecting');

    const { config } = await jsm.streams.info(streamName(first));
    expect(config.subjects).toEqual([logSubjects(first)]);
  });
});
