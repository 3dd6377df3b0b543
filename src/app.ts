// The composition root (STYLE §3): reads the config, picks the adapters, wires every moving part and starts the
// roles this process runs. It and the files of src/app/ it calls, one per part of the wiring, are the only modules
// that import concrete adapters; read it top to bottom to see the whole system, and a part's file for its details.
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Bus } from './bus/port.js';
import type { Config } from './config/config.js';
import { systemClock, type Clock } from './core/clock.js';
import { AddressPolicy, parseAllowList } from './delivery/index.js';
import { EventPublisher } from './events/publisher.js';
import { BacklogGauges } from './observability/backlog-gauges.js';
import { Metrics, metricsScope } from './observability/metrics.js';
import type { WorkLoop } from './routing/work-loop.js';
import type { Store } from './store/port.js';
import { initSandbox } from './transform/index.js';
import { buildApiServer } from './app/api.js';
import { announcer, openBus } from './app/bus.js';
import { startChores } from './app/chores.js';
import { buildDelivery } from './app/delivery.js';
import { pickEngine } from './app/engine.js';
import { buildIngest } from './app/ingest.js';
import { readiness } from './app/readiness.js';
import { buildServices } from './app/services.js';
import { closeApp } from './app/shutdown.js';
import { openKeyedStore } from './app/store.js';
import { buildWorkers, startWorkers } from './app/work.js';

export { openStore } from './app/store.js';

export interface App {
  readonly config: Config;
  readonly store: Store;
  /** The doorbell: announces committed events and changed actions (embedders and benchmarks may listen). */
  readonly bus: Bus;
  readonly server: FastifyInstance;
  readonly logger: Logger;
  /** Set on the very first start when no operator token was configured: print it once. */
  readonly generatedOperatorToken: string | undefined;
  /** Listens on config.port (0 = random); returns the base URL (a worker's answers /healthz, /readyz and /metrics). */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface AppOptions {
  clock?: Clock;
  logger?: Logger;
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pino({ level: config.logLevel });
  const metrics = new Metrics({
    defaults: true,
    scope: metricsScope(config),
    storeReadTimeoutMs: config.metricsStoreTimeoutMs,
  });
  await initSandbox();

  // Ports and their adapters. The store comes first, and its master key is checked before anything else connects.
  const { store, box } = await openKeyedStore(config, logger);
  // Read from the store when /metrics is scraped, never kept up to date on the hot paths.
  new BacklogGauges(metrics.registry, store.backlog, () => clock.now(), logger, config.metricsStoreTimeoutMs);
  metrics.forgetDeleted(
    {
      source: async (org, slug) => (await store.sources.get(org, slug)) !== undefined,
      org: async (slug) => (await store.orgs.get(slug)) !== undefined,
    },
    () => clock.now(),
    logger,
  );
  const { bus, natsBus } = openBus(config, logger);
  const publisher = new EventPublisher(bus);
  const { engine, localEngine, causes } = pickEngine(config, store, publisher, bus, clock);
  const sandbox = { cpuMs: config.sandboxCpuMs, memoryBytes: config.sandboxMemoryBytes };

  // The outbound SSRF policy: deliveries, OAuth token requests and JWT key sets, checked at save and at each connection.
  const addressPolicy = AddressPolicy.fromAllowList(config.outboundAllow.flatMap((e) => parseAllowList(e)));

  // Access, configuration services and the read side.
  const announce = announcer(bus, logger);
  const services = await buildServices({
    config,
    store,
    box,
    clock,
    logger,
    bus,
    announce,
    sandbox,
    addressPolicy,
  });
  const { ruleCache, liveSources } = services;

  // Outbound delivery. The action worker's loop is made further down; endpoint changes that wake deliveries kick it.
  let actionLoop: WorkLoop | undefined = undefined;
  const delivery = buildDelivery({
    config,
    store,
    box,
    clock,
    announce,
    kickActions: () => actionLoop?.kick(),
    addressPolicy,
  });
  const { httpSender, liveEndpoints, endpoints } = delivery;

  // Ingest: verify, then group-commit, then ring the doorbell.
  const ingest = await buildIngest({
    config,
    store,
    clock,
    logger,
    metrics,
    publisher,
    liveSources,
    addressPolicy,
    causes,
  });

  // The workers: presence, routing, actions and the JetStream event log, each with its loop (started further down).
  const workers = buildWorkers({
    config,
    store,
    bus,
    clock,
    logger,
    metrics,
    sandbox,
    engine,
    publisher,
    announce,
    ruleCache,
    httpSender,
    liveEndpoints,
    ingesters: ingest.ingesters,
  });
  actionLoop = workers.actionLoop;
  const { runsWorkers, presence } = workers;
  // Timed chores: the local engine's lease sweep, the heartbeats of presence, retention.
  const chores = startChores({
    config,
    store,
    clock,
    logger,
    metrics,
    localEngine,
    presence,
    ingesters: ingest.ingesters,
    runsWorkers,
    onLeasesReleased: () => workers.actionLoop.kick(),
  });

  let workersStarted = false;
  const server = await buildApiServer({
    ...services,
    config,
    store,
    bus,
    clock,
    logger,
    metrics,
    sandbox,
    announce,
    ingest: ingest.ingest,
    publishService: ingest.publishService,
    endpoints,
    liveEndpoints,
    authenticatedSender: workers.authenticatedSender,
    localEngine,
    routerLoop: workers.routerLoop,
    actionLoop: workers.actionLoop,
    readiness: readiness({
      config,
      store,
      runsWorkers,
      workersStarted: () => workersStarted,
      natsBus,
      flovynEvents: ingest.flovynEvents,
      eventLog: workers.eventLog,
      intake: ingest.intake,
    }),
  });

  await chores.beatAll();
  workersStarted = await startWorkers(workers, { bus, logger, endpoints, liveEndpoints });

  let closed = false;
  return {
    config,
    store,
    bus,
    server,
    logger,
    generatedOperatorToken: services.generatedOperatorToken,
    async listen() {
      return server.listen({ port: config.port, host: config.host });
    },
    async close() {
      if (closed) return;
      closed = true;
      await closeApp({ logger, store, bus, engine, ruleCache, httpSender, ingest, workers, chores, server });
    },
  };
}
