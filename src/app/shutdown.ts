// Closing the app: every part stopped after what feeds it and before what it uses, the store last.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Bus } from '../bus/port.js';
import type { HttpSender } from '../delivery/index.js';
import type { Engine } from '../engine/port.js';
import type { RuleCache } from '../routing/rule-cache.js';
import type { Store } from '../store/port.js';
import type { Chores } from './chores.js';
import { closeEngine } from './engine.js';
import type { Ingest } from './ingest.js';
import type { Workers } from './work.js';

export interface AppParts {
  logger: Logger;
  store: Store;
  bus: Bus;
  engine: Engine;
  ruleCache: RuleCache;
  httpSender: HttpSender;
  ingest: Pick<Ingest, 'flovynEvents' | 'intake' | 'committer' | 'ingesters'>;
  workers: Pick<
    Workers,
    'routerLoop' | 'actionLoop' | 'actions' | 'logLoop' | 'eventLog' | 'presence' | 'transforms'
  >;
  chores: Chores;
  server: FastifyInstance;
}

/**
 * Closes the parts in this order: no new chores, requests or events in (timers, server, Flovyn's events, the
 * intake), then what was taken in is committed (the committer) and the work on it finished (routing, actions in
 * flight, the event log), then this process leaves the workers and ingesters so the others take its share, and
 * only then go the connections the attempts used (sender, engine, bus), the compiled code, and the store.
 */
export async function closeApp(parts: AppParts): Promise<void> {
  const { logger, store, bus, engine, ruleCache, httpSender, ingest, workers, chores, server } = parts;
  chores.stop();
  await server.close();
  await chores.settled();
  await ingest.flovynEvents?.close();
  await ingest.intake?.close();
  await ingest.committer.drain();
  await workers.routerLoop.stop();
  await workers.actionLoop.stop();
  await workers.actions.close();
  await workers.logLoop?.stop();
  await workers.eventLog?.close();
  await workers.presence?.leave().catch((err) => logger.error({ err }, 'leaving the workers failed'));
  await ingest.ingesters
    ?.leave()
    .catch((err) => logger.error({ err }, 'leaving the ingest processes failed'));
  await httpSender.close();
  await closeEngine(engine);
  await bus.close();
  workers.transforms.dispose();
  ruleCache.dispose();
  await store.close();
}
