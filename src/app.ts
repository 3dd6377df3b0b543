// The composition root (STYLE §3): reads the config, picks the adapters, wires every moving part and starts the
// roles this process runs. It is the only module that imports concrete adapters; read it top to bottom to see
// the whole system.
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Gauge } from 'prom-client';
import { AccessService } from './access/access-service.js';
import { buildOperationsServer, buildServer, type ApiDeps } from './api/server.js';
import { endpointRoutes } from './api/routes/endpoints.js';
import { grantRoutes } from './api/routes/grants.js';
import { ingestRoutes } from './api/routes/ingest.js';
import { publishRoutes } from './api/routes/publish.js';
import { sourceRoutes } from './api/routes/sources.js';
import { MemoryBus } from './bus/adapters/memory/index.js';
import { NatsBus } from './bus/adapters/nats/index.js';
import {
  SUBJECTS,
  type Bus,
  type EndpointAnnouncement,
  type SourceAnnouncement,
  type WorkLoopName,
} from './bus/port.js';
import type { Config, MigrateMode } from './config/config.js';
import { systemClock, type Clock } from './core/clock.js';
import { newId } from './core/ids.js';
import { SecretBox } from './core/secret-box.js';
import { within } from './core/within.js';
import {
  AddressPolicy,
  AuthenticatedSender,
  EndpointProbe,
  DeliveryGate,
  EndpointLimiters,
  EndpointService,
  EndpointStateKeeper,
  guardedFetch,
  HttpSender,
  LiveEndpoints,
  parseAllowList,
} from './delivery/index.js';
import { ExecutionCauses } from './engine/adapters/flovyn/execution-causes.js';
import { FlovynEngine } from './engine/adapters/flovyn/flovyn-engine.js';
import { FlovynLifecycleConsumer } from './engine/adapters/flovyn/lifecycle-consumer.js';
import { LocalEngine } from './engine/adapters/local/index.js';
import type { Engine } from './engine/port.js';
import { EventQueries } from './events/event-queries.js';
import { ReplayService } from './events/replay-service.js';
import { EventPublisher } from './events/publisher.js';
import { GrantService } from './grants/grant-service.js';
import { GroupCommitter } from './ingest/group-committer.js';
import { IngestService } from './ingest/ingest-service.js';
import { PublishService } from './ingest/publish-service.js';
import { LiveSources } from './ingest/live-sources.js';
import { SourceRateLimiter } from './ingest/rate-limiter.js';
import { SourceService } from './ingest/source-service.js';
import { BacklogGauges } from './observability/backlog-gauges.js';
import { Metrics, metricsScope } from './observability/metrics.js';
import { ActionWorker } from './routing/action-worker.js';
import { RuleCache } from './routing/rule-cache.js';
import { Router } from './routing/router.js';
import { RoutingShare, shareGraces } from './routing/routing-share.js';
import { RuleService } from './routing/rule-service.js';
import { RuleTester } from './routing/rule-tester.js';
import { TransformCache } from './routing/transform-cache.js';
import type { TargetHandler } from './targets/target-handler.js';
import { WorkLoop } from './routing/work-loop.js';
import { JetStreamEventLog } from './jetstream/event-log.js';
import { JetStreamIntake } from './jetstream/intake.js';
import { countAlive, SOLE_WORKER, WorkerPresence, type AliveKind } from './routing/worker-presence.js';
import { checkMasterKey } from './config/master-key-check.js';
import { openPostgresStore } from './store/adapters/postgres/index.js';
import { openSqliteStore } from './store/adapters/sqlite/index.js';
import type { Store } from './store/port.js';
import { prepareSchema } from './store/prepare-schema.js';
import { EventBusTargetHandler } from './targets/event-bus-target.js';
import { WebhookTargetHandler } from './targets/webhook-target.js';
import { PromiseTargetHandler, TaskTargetHandler, WorkflowTargetHandler } from './targets/engine-targets.js';
import { initSandbox } from './transform/index.js';

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

/**
 * Opens the configured store with its schema prepared as `migrate` says (EVENTHOOK_MIGRATE by default);
 * `migrated` names the migrations applied. A store whose schema does not fit is closed again, and the error thrown.
 */
export async function openStore(
  config: Config,
  logger?: Logger,
  migrate: MigrateMode = config.migrate,
): Promise<{ store: Store; migrated: string[] }> {
  const store = config.databaseUrl.startsWith('sqlite:')
    ? await openSqliteStore({
        path: config.databaseUrl.slice('sqlite:'.length),
        migrate: false,
        // A process that may not migrate could only refuse the empty database it made: none is made.
        create: migrate === 'auto',
      })
    : await openPostgresStore({
        url: config.databaseUrl,
        migrate: false,
        connectionTimeoutMs: config.pgConnectTimeoutMs,
        statementTimeoutMs: config.pgStatementTimeoutMs,
        migrateLockTimeoutMs: config.migrateLockTimeoutMs,
        onConnectionError: (err) =>
          logger?.warn({ err }, 'a PostgreSQL connection was lost; the pool reconnects on next use'),
      });
  try {
    return { store, migrated: await prepareSchema(store, migrate) };
  } catch (err) {
    await store.close();
    throw err;
  }
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

  // Ports and their adapters.
  const { store, migrated } = await openStore(config, logger);
  if (migrated.length > 0) logger.info({ migrations: migrated }, 'migrated the database');
  // Before anything else connects (the bus): a process with another key than the store's stops here.
  const box = new SecretBox(config.masterKey ?? loadOrCreateMasterKey(config.dataDir, logger));
  try {
    await checkMasterKey(store, box);
  } catch (err) {
    await store.close();
    throw err;
  }
  // Read from the store when /metrics is scraped, never kept up to date on the hot paths.
  new BacklogGauges(metrics.registry, store.backlog, () => clock.now(), logger, config.metricsStoreTimeoutMs);
  const onBusError = (err: unknown, subject: string) =>
    logger.error({ err, subject }, 'bus subscriber failed');
  const natsBus =
    config.bus.kind === 'nats'
      ? new NatsBus({ url: config.bus.url, prefix: config.bus.prefix, logger, onError: onBusError })
      : undefined;
  const bus: Bus = natsBus ?? new MemoryBus(onBusError);
  const publisher = new EventPublisher(bus);
  // The local engine keeps executions in the store and serves workers over /engine; with Flovyn, Flovyn does both.
  // Which event started each Flovyn execution: its lifecycle events count their hops from it.
  const causes =
    config.engine.kind === 'flovyn'
      ? new ExecutionCauses(store.executionCauses, () => clock.now())
      : undefined;
  const engine: Engine =
    config.engine.kind === 'flovyn'
      ? new FlovynEngine({ ...config.engine, causes })
      : new LocalEngine(store, publisher, bus, clock);
  const localEngine = engine instanceof LocalEngine ? engine : undefined;
  const sandbox = { cpuMs: config.sandboxCpuMs, memoryBytes: config.sandboxMemoryBytes };

  // Access, configuration services and the read side.
  const access = new AccessService(store, clock, config.adminToken);
  const { generatedOperatorToken } = await access.bootstrap();
  const ruleCache = new RuleCache(store, clock, sandbox, (rule, part, err) =>
    logger.error({ err, org: rule.org, rule: rule.id }, `a stored rule's ${part} does not compile`),
  );
  const rules = new RuleService(store, ruleCache, clock, sandbox);
  const grants = new GrantService(store, clock);
  /**
   * Rings the bus for a committed change, best effort: a message that cannot go out only leaves the other processes to
   * notice at their next sweep or cache expiry.
   */
  const announce = <T>(subject: string, data: T): void => {
    bus
      .publish<T>(subject, data)
      .catch((err: unknown) => logger.warn({ err, subject }, 'announcing a change failed'));
  };
  const liveSources = new LiveSources(store, box, clock);
  const sources = new SourceService(store, box, clock, config.maxBodyLimitBytes, (org, slug) => {
    liveSources.invalidate(org, slug);
    // Other processes serving ingest hear it on the bus; without it their copy would last up to a second.
    announce<SourceAnnouncement>(SUBJECTS.sourceChanged(org, slug), { org, slug });
  });
  bus.subscribe<SourceAnnouncement>(SUBJECTS.allSources, ({ data }) =>
    liveSources.invalidate(data.org, data.slug),
  );
  const queries = new EventQueries(store);
  const resealed = await sources.sealPlainSecretOptions();
  if (resealed > 0) logger.info({ sources: resealed }, 'sealed secret source options kept in plain text');

  // Outbound delivery: one SSRF-guarded sender (a connection pool per origin) shared by every endpoint.
  const addressPolicy = AddressPolicy.fromAllowList(config.outboundAllow.flatMap((e) => parseAllowList(e)));
  const httpSender = new HttpSender({ policy: addressPolicy });
  const liveEndpoints = new LiveEndpoints(store, box, clock, {
    failureThreshold: config.breakerThreshold,
    disableAfterMs: config.endpointDisableAfterMs,
  });
  // The action worker's loop, made further down; endpoint changes that wake deliveries kick it.
  let actionLoop: WorkLoop | undefined = undefined;
  const endpoints = new EndpointService(
    store,
    box,
    clock,
    addressPolicy,
    { timeoutMs: config.deliveryTimeoutMs },
    (org, slug) => liveEndpoints.invalidate(org, slug),
    (org, slug, woken) => {
      if (woken > 0) actionLoop?.kick();
      // Workers in other processes hear it on the bus; without it they would notice at their next sweep.
      announce<EndpointAnnouncement>(SUBJECTS.endpointChanged(org, slug), { org, slug, woken });
    },
  );

  // Ingest: verify, then group-commit, then ring the doorbell.
  const committer = new GroupCommitter(
    store,
    clock,
    { maxBatch: 256, maxBacklogBytes: config.ingestBacklogBytes },
    (items) => void publisher.announce(items.map((i) => i.event)),
  );
  metrics.ingestBacklog(() => committer.backlog);
  // Flovyn's lifecycle events, from NATS, become events like any other (committed, then routed). A mapping to an org
  // not made yet is said at the start: its events would be stored where no API key can see them.
  for (const [flovynOrg, org] of config.flovynEvents?.eventOrgs ?? []) {
    if (!(await store.orgs.get(org)))
      logger.warn(
        { flovynOrg, org },
        `EVENTHOOK_FLOVYN_EVENT_ORGS maps Flovyn org ${flovynOrg} to org ${org}, which does not exist: create it (POST /api/orgs)`,
      );
  }
  const flovynEvents = config.flovynEvents
    ? new FlovynLifecycleConsumer({
        ...config.flovynEvents,
        // Core NATS will not send a lifecycle event again: it is never refused for the backlog (counted as 0 bytes).
        commit: (item) => committer.submit(item, 0),
        clock,
        dedupWindowMs: config.dedupWindowMs,
        logger,
        causes,
      })
    : undefined;
  const publishService = new PublishService(committer, clock, metrics, config.dedupWindowMs);
  // Applications' events from a JetStream work queue, committed as POST /events commits them (API processes).
  const intake =
    config.jetstreamIntake && config.role !== 'worker'
      ? new JetStreamIntake({
          ...config.jetstreamIntake,
          // Refusals are kept as long as events when the intake makes the stream that keeps them.
          maxAgeMs: config.retentionDays * 86_400_000,
          publish: (org, events) => publishService.publish(org, events),
          orgs: store.orgs,
          logger,
          onRejected: () => metrics.intakeRejected.inc(),
          onRetried: () => metrics.intakeRetried.inc(),
        })
      : undefined;
  // Processes serving ingest on one database divide each source's rate limit among themselves.
  const ingesters =
    config.role === 'worker'
      ? undefined
      : new WorkerPresence(store, newId('ingester'), clock, config.sweepIntervalMs);
  const ingest = new IngestService(
    liveSources,
    new SourceRateLimiter(clock, () => ingesters?.current().count ?? 1),
    committer,
    clock,
    metrics,
    {
      bodyLimit: config.bodyLimitBytes,
      maxJsonDepth: config.maxJsonDepth,
      dedupWindowMs: config.dedupWindowMs,
      trustedProxies: config.trustedProxies,
      // Key sets for JWT sources come from URLs an org admin chose: fetched under the same address policy.
      keySetFetch: guardedFetch(addressPolicy),
    },
    logger,
  );

  const runsWorkers = config.role === 'all' || config.role === 'worker';
  // Worker processes on one database divide each endpoint's limits among themselves.
  const presence = runsWorkers
    ? new WorkerPresence(store, newId('worker'), clock, config.sweepIntervalMs)
    : undefined;
  // The kinds this process does not beat as are still reported (an API process's /metrics shows the workers alive).
  const aliveIn = (kind: AliveKind) => () => countAlive(store, kind, clock.now(), config.sweepIntervalMs);
  if (!presence) metrics.aliveFromStore('worker', aliveIn('worker'), logger);
  if (!ingesters) metrics.aliveFromStore('ingester', aliveIn('ingester'), logger);
  // Routing and actions. An endpoint may use half the worker's slots, so a slow one cannot hold them all.
  const deliveryGate = new DeliveryGate(
    store,
    new EndpointLimiters(clock),
    clock,
    Math.max(1, Math.floor(config.actionConcurrency / 2)),
    (org, slug) => liveEndpoints.invalidate(org, slug),
    () => presence?.current() ?? SOLE_WORKER,
  );
  // The JetStream event log: routed events join its outbox in the routing transaction; it publishes them after.
  let logLoop: WorkLoop | undefined = undefined;
  const eventLog =
    config.jetstream && runsWorkers
      ? new JetStreamEventLog({
          ...config.jetstream,
          maxAgeMs: config.retentionDays * 86_400_000,
          store,
          logger,
          now: () => clock.now(),
          onPublished: (kind) => metrics.logPublished.inc({ kind }),
          onLag: (seconds) => metrics.logLag.set(seconds),
          onReady: () => logLoop?.kick(),
        })
      : undefined;
  const router = new Router(
    store,
    ruleCache,
    clock,
    {
      batchSize: config.routerBatchSize,
      defaultMaxAttempts: config.actionMaxAttempts,
      // Each target type sets the attempt budget of its actions (webhooks: their endpoint's) and what one born dead
      // announces.
      handlerOf: (type) => (handlers as Record<string, TargetHandler>)[type],
      onRouted: (status, org) => metrics.eventsRouted.inc({ org, status }),
      outbox: eventLog !== undefined,
      // Workers on one database divide the pending events between them rather than each routing all of them.
      ...(presence
        ? {
            share: new RoutingShare(store, () => presence.current(), shareGraces(config.sweepIntervalMs)),
          }
        : {}),
    },
    logger,
  );
  // One sender for deliveries and test messages: they share connection pools and OAuth2 tokens.
  const authenticatedSender = new AuthenticatedSender(httpSender, clock);
  const transforms = new TransformCache(sandbox);
  const engineTargets = { retryAfterCapMs: config.retryAfterCapMs, clock };
  const handlers = {
    workflow: new WorkflowTargetHandler(engine, engineTargets),
    task: new TaskTargetHandler(engine, engineTargets),
    promise: new PromiseTargetHandler(engine, engineTargets),
    event_bus: new EventBusTargetHandler(store, publisher, clock),
    webhook: new WebhookTargetHandler(
      liveEndpoints,
      deliveryGate,
      authenticatedSender,
      new EndpointStateKeeper(store, liveEndpoints, publisher, clock, logger, (org, slug, woken) =>
        announce<EndpointAnnouncement>(SUBJECTS.endpointChanged(org, slug), {
          org,
          slug,
          woken,
          ...(presence ? { breakerFrom: presence.id } : {}),
        }),
      ),
      clock,
      { retryAfterCapMs: config.retryAfterCapMs },
    ),
  };
  const actions = new ActionWorker(
    store,
    bus,
    handlers,
    transforms,
    clock,
    {
      concurrency: config.actionConcurrency,
      leaseMs: config.leaseMs,
      endpointCap: (org, endpoint) => deliveryGate.capFor(org, endpoint),
      metrics: metrics.actions,
    },
    logger,
    undefined,
    () => actionLoop?.kick(),
  );
  actionLoop = new WorkLoop(
    () => actions.claimAndStart(),
    config.sweepIntervalMs,
    (err) => logger.error({ err }, 'action pass failed'),
    () => clock.now(),
  );
  const routerLoop = new WorkLoop(
    async () => {
      const r = await router.routePending();
      if (r.lanes.length > 0) {
        actions.hint(r.lanes);
        actionLoop.kick();
      }
      if (r.routed > 0) logLoop?.kick();
      return { more: r.more };
    },
    config.sweepIntervalMs,
    (err) => logger.error({ err }, 'routing pass failed'),
  );
  logLoop =
    eventLog &&
    new WorkLoop(
      () => eventLog.publishPending(),
      config.sweepIntervalMs,
      (err) => logger.error({ err }, 'JetStream event log pass failed'),
      () => clock.now(),
    );
  // Timed chores that may still be running when the app closes: close waits for them before closing the store.
  const chores = new Set<Promise<unknown>>();
  const chore = (work: Promise<unknown>) => {
    chores.add(work);
    void work.finally(() => chores.delete(work));
  };
  const leaseTimer = setInterval(() => {
    if (!localEngine) return;
    chore(localEngine.releaseExpiredLeases().catch((err) => logger.error({ err }, 'lease sweep failed')));
  }, config.sweepIntervalMs);
  leaseTimer.unref();
  const beat = async (p: WorkerPresence, alive: Gauge, who: string) => {
    try {
      alive.set((await p.beat()).count);
    } catch (err) {
      logger.error({ err }, `${who} heartbeat failed`);
    }
  };
  const beatAll = () =>
    Promise.all([
      presence && beat(presence, metrics.workersAlive, 'worker'),
      ingesters && beat(ingesters, metrics.ingestersAlive, 'ingest'),
    ]);
  const presenceTimer = setInterval(() => chore(beatAll()), config.sweepIntervalMs);
  presenceTimer.unref();
  // Retention (SPEC §9): events, their actions and attempts older than retentionDays go, a minute after the start
  // (a process restarted more often than hourly, by deploys or a crash loop, would never prune otherwise) and then
  // hourly; so do the local engine's workflows, tasks and promises that finished before then (running and pending
  // ones stay).
  const prune = () => {
    if (config.retentionDays === 0 || !runsWorkers) return;
    const before = clock.now() - config.retentionDays * 86_400_000;
    chore(
      store.events
        .prune(before)
        .then((n) => n > 0 && logger.info({ pruned: n }, 'pruned old events'))
        .then(() => store.executionCauses.prune(before))
        .then(() => store.outbox.prune(before))
        .then(async () => {
          const pruned = {
            workflows: await store.workflows.prune(before),
            tasks: await store.tasks.prune(before),
            promises: await store.promises.prune(before),
          };
          if (Object.values(pruned).some((n) => n > 0)) logger.info(pruned, 'pruned finished engine work');
        })
        .catch((err) => logger.error({ err }, 'retention prune failed')),
    );
  };
  const pruneTimer = setInterval(prune, 3600_000);
  pruneTimer.unref();
  const firstPrune = setTimeout(prune, 60_000);
  firstPrune.unref();

  /** Wakes a loop here, and the workers of other processes through the bus (they would wait for their sweep). */
  const workDue = (loop: WorkLoopName) => {
    (loop === 'router' ? routerLoop : actionLoop).kick();
    announce(SUBJECTS.workDue(loop), {});
  };

  let workersStarted = false;
  const apiDeps: ApiDeps = {
    logger,
    // An application's events are bounded as webhooks are (POST /events takes batches of them).
    bodyLimit: config.bodyLimitBytes,
    bus,
    access,
    rules,
    tester: new RuleTester(store, sandbox),
    queries,
    replay: new ReplayService(store, clock, {
      router: () => workDue('router'),
      actions: () => workDue('actions'),
    }),
    engine: localEngine,
    metrics,
    readiness: {
      async check() {
        const checks: Record<string, string> = {};
        try {
          await within(store.ping(), config.readinessTimeoutMs, () => {
            throw new Error(`the store did not answer within ${config.readinessTimeoutMs} ms`);
          });
          checks.store = 'ok';
        } catch (err) {
          checks.store = `unreachable: ${(err as Error).message}`;
        }
        if (runsWorkers) checks.workers = workersStarted ? 'ok' : 'starting';
        const ready = Object.values(checks).every((v) => v === 'ok');
        // Shown, but no reason to stop taking webhooks: without NATS, other processes find new work at their sweeps
        // and Flovyn's lifecycle events wait.
        if (natsBus) checks.bus = natsBus.state === 'connected' ? 'ok' : natsBus.state;
        if (flovynEvents)
          checks.flovynEvents = flovynEvents.state === 'connected' ? 'ok' : flovynEvents.state;
        // Nor is the event log's: routed events wait in its outbox until NATS is back.
        if (eventLog) checks.jetstream = eventLog.state === 'connected' ? 'ok' : eventLog.state;
        if (intake) checks.jetstreamIntake = intake.state === 'connected' ? 'ok' : intake.state;
        return { ready, checks };
      },
    },
    publicPlugins: [ingestRoutes(ingest, config.publicUrl)],
    orgPlugins: [
      async (app) => {
        await app.register(sourceRoutes, { sources, ingest, publicUrl: config.publicUrl });
        await app.register(endpointRoutes, {
          endpoints,
          probe: new EndpointProbe(liveEndpoints, authenticatedSender, clock),
        });
        await app.register(grantRoutes, { grants });
        await app.register(publishRoutes, {
          publisher: publishService,
        });
      },
    ],
  };
  // A worker serves its probes and its own metrics only (for its supervisor and Prometheus); the rest is the API's.
  const server = config.role === 'worker' ? await buildOperationsServer(apiDeps) : await buildServer(apiDeps);

  await beatAll();
  if (presence) {
    const stranded = await endpoints.wakeStranded();
    if (stranded > 0) logger.info({ woken: stranded }, 'woke deliveries left parked by an earlier crash');
    bus.subscribe(SUBJECTS.allEvents, () => routerLoop.kick());
    bus.subscribe(SUBJECTS.allWork, ({ subject }) =>
      (subject === SUBJECTS.workDue('router') ? routerLoop : actionLoop).kick(),
    );
    bus.subscribe<EndpointAnnouncement>(SUBJECTS.allEndpoints, ({ data }) => {
      // This worker's own breaker changes are in its breaker already.
      if (data.breakerFrom === presence.id) return;
      liveEndpoints.invalidate(data.org, data.slug, { breaker: data.breakerFrom !== undefined });
      if (data.woken > 0) actionLoop.kick();
    });
    routerLoop.start();
    actionLoop.start();
    logLoop?.start();
    workersStarted = true;
  }

  let closed = false;
  return {
    config,
    store,
    bus,
    server,
    logger,
    generatedOperatorToken,
    async listen() {
      return server.listen({ port: config.port, host: config.host });
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(leaseTimer);
      clearInterval(pruneTimer);
      clearTimeout(firstPrune);
      clearInterval(presenceTimer);
      await server.close();
      await Promise.all(chores);
      await flovynEvents?.close();
      await intake?.close();
      await committer.drain();
      await routerLoop.stop();
      await actionLoop.stop();
      await actions.drain();
      await logLoop?.stop();
      await eventLog?.close();
      await presence?.leave().catch((err) => logger.error({ err }, 'leaving the workers failed'));
      await ingesters?.leave().catch((err) => logger.error({ err }, 'leaving the ingest processes failed'));
      await httpSender.close();
      if (engine instanceof FlovynEngine) await engine.close();
      await bus.close();
      transforms.dispose();
      ruleCache.dispose();
      await store.close();
    },
  };
}

/**
 * The master key that seals secrets at rest. When none is configured, one is generated on first start and kept
 * in `<dataDir>/master.key` (mode 0600) beside the embedded database.
 */
function loadOrCreateMasterKey(dataDir: string, logger: Logger): string {
  const path = join(dataDir, 'master.key');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = SecretBox.generateKey();
  // Durable before any secret is sealed with it: written to a temporary file, flushed, renamed into place, and the
  // folder flushed, so a power cut leaves either no key file or the whole key, never an empty one.
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${key}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path); // fails if another process created the key meanwhile: never replace a key in use
  } finally {
    unlinkSync(temp);
  }
  const dir = openSync(dataDir, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  logger.warn(
    { path },
    'generated a master key for secrets at rest; back it up (or set EVENTHOOK_MASTER_KEY)',
  );
  return key;
}
