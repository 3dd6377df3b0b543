// The worker roles: worker presence, the router, the action worker and the JetStream event log, with their loops.
import type { Logger } from 'pino';
import { SUBJECTS, type Bus, type EndpointAnnouncement } from '../bus/port.js';
import type { Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import {
  AuthenticatedSender,
  DeliveryGate,
  EndpointLimiters,
  type EndpointService,
  type HttpSender,
  type LiveEndpoints,
} from '../delivery/index.js';
import type { Engine } from '../engine/port.js';
import type { EventPublisher } from '../events/publisher.js';
import { JetStreamEventLog } from '../jetstream/event-log.js';
import { RepeatedFailureLog } from '../observability/repeated-failure-log.js';
import type { Metrics } from '../observability/metrics.js';
import { ActionWorker } from '../routing/action-worker.js';
import type { RuleCache } from '../routing/rule-cache.js';
import { Router } from '../routing/router.js';
import { RoutingShare, shareGraces } from '../routing/routing-share.js';
import { TransformCache } from '../routing/transform-cache.js';
import { WorkLoop } from '../routing/work-loop.js';
import { countAlive, SOLE_WORKER, WorkerPresence, type AliveKind } from '../routing/worker-presence.js';
import type { Store } from '../store/port.js';
import type { SandboxLimits } from '../transform/index.js';
import type { Announce } from './bus.js';
import { buildTargetHandlers } from './targets.js';

export interface WorkersDeps {
  config: Config;
  store: Store;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  sandbox: SandboxLimits;
  engine: Engine;
  publisher: EventPublisher;
  announce: Announce;
  ruleCache: RuleCache;
  httpSender: HttpSender;
  liveEndpoints: LiveEndpoints;
  /** The ingest side's presence (none in a worker): its count is reported from the store when absent. */
  ingesters: WorkerPresence | undefined;
}

export interface Workers {
  /** Whether this process's role runs the workers (all, worker); the loops exist in every role, started only then. */
  runsWorkers: boolean;
  /** This worker's presence among the workers of the database; none when the role runs no workers. */
  presence: WorkerPresence | undefined;
  eventLog: JetStreamEventLog | undefined;
  /** Shared by deliveries and the API's endpoint test messages. */
  authenticatedSender: AuthenticatedSender;
  transforms: TransformCache;
  actions: ActionWorker;
  routerLoop: WorkLoop;
  actionLoop: WorkLoop;
  logLoop: WorkLoop | undefined;
}

export function buildWorkers(deps: WorkersDeps): Workers {
  const { config, store, bus, clock, logger, metrics, sandbox, ruleCache, liveEndpoints, ingesters } = deps;
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
      handlerOf: (type) => handlers[type],
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
  const authenticatedSender = new AuthenticatedSender(deps.httpSender, clock);
  const transforms = new TransformCache(sandbox);
  const handlers = buildTargetHandlers({ ...deps, deliveryGate, authenticatedSender, presence });
  // The action worker's loop, made just below; the worker kicks it when a slot frees.
  let actionLoop: WorkLoop | undefined = undefined;
  const actions = new ActionWorker(
    store,
    bus,
    handlers,
    transforms,
    clock,
    {
      concurrency: config.actionConcurrency,
      leaseMs: config.leaseMs,
      ...(presence ? { holder: presence.id } : {}),
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
    new RepeatedFailureLog(
      logger,
      'action pass failed; the next pass tries again',
      'action passes succeed again',
    ),
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
    new RepeatedFailureLog(
      logger,
      'routing pass failed; the next pass tries again',
      'routing passes succeed again',
    ),
  );
  logLoop =
    eventLog &&
    new WorkLoop(
      () => eventLog.publishPending(),
      config.sweepIntervalMs,
      new RepeatedFailureLog(
        logger,
        'JetStream event log pass failed; the next pass tries again',
        'JetStream event log passes succeed again',
      ),
      () => clock.now(),
    );
  return {
    runsWorkers,
    presence,
    eventLog,
    authenticatedSender,
    transforms,
    actions,
    routerLoop,
    actionLoop,
    logLoop,
  };
}

/**
 * Starts the workers when this process runs them: wakes the deliveries an earlier crash left parked, subscribes to
 * the doorbells that wake the loops, and starts the loops. Says whether it started them (for readiness).
 */
export async function startWorkers(
  workers: Workers,
  deps: { bus: Bus; logger: Logger; endpoints: EndpointService; liveEndpoints: LiveEndpoints },
): Promise<boolean> {
  const { presence, routerLoop, actionLoop, logLoop } = workers;
  const { bus, logger, endpoints, liveEndpoints } = deps;
  if (!presence) return false;
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
  return true;
}
