// The HTTP server: the whole API in an API process, only the probes and metrics in a worker.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AccessService } from '../access/access-service.js';
import type { Readiness } from '../api/routes/health.js';
import { endpointRoutes } from '../api/routes/endpoints.js';
import { auditLogRoutes } from '../api/routes/audit-log.js';
import { grantRoutes } from '../api/routes/grants.js';
import { ingestRoutes } from '../api/routes/ingest.js';
import { publishRoutes } from '../api/routes/publish.js';
import { sourceRoutes } from '../api/routes/sources.js';
import { buildOperationsServer, buildServer, type ApiDeps } from '../api/server.js';
import { SUBJECTS, type Bus, type WorkLoopName } from '../bus/port.js';
import type { Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import {
  EndpointProbe,
  type AuthenticatedSender,
  type EndpointService,
  type LiveEndpoints,
} from '../delivery/index.js';
import type { LocalEngine } from '../engine/adapters/local/index.js';
import { AuditLog } from '../audit/index.js';
import type { EventQueries } from '../events/event-queries.js';
import { ReplayService } from '../events/replay-service.js';
import type { GrantService } from '../grants/grant-service.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { PublishService } from '../ingest/publish-service.js';
import type { SourceService } from '../ingest/source-service.js';
import type { Metrics } from '../observability/metrics.js';
import type { RuleService } from '../routing/rule-service.js';
import { RuleTester } from '../routing/rule-tester.js';
import { flovynKey } from '../engine/adapters/flovyn/flovyn-engine.js';
import type { WorkLoop } from '../routing/work-loop.js';
import type { Store } from '../store/port.js';
import type { SandboxLimits } from '../transform/index.js';
import type { Announce } from './bus.js';

export interface ApiServerDeps {
  config: Config;
  store: Store;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  sandbox: SandboxLimits;
  announce: Announce;
  access: AccessService;
  rules: RuleService;
  grants: GrantService;
  queries: EventQueries;
  sources: SourceService;
  ingest: IngestService;
  publishService: PublishService;
  endpoints: EndpointService;
  liveEndpoints: LiveEndpoints;
  authenticatedSender: AuthenticatedSender;
  localEngine: LocalEngine | undefined;
  routerLoop: WorkLoop;
  actionLoop: WorkLoop;
  readiness: Readiness;
}

export async function buildApiServer(deps: ApiServerDeps): Promise<FastifyInstance> {
  const { config, store, bus, clock, logger, sandbox, announce, routerLoop, actionLoop } = deps;
  const { ingest, sources, endpoints, liveEndpoints, authenticatedSender, grants, publishService } = deps;

  /** Wakes a loop here, and the workers of other processes through the bus (they would wait for their sweep). */
  const workDue = (loop: WorkLoopName) => {
    (loop === 'router' ? routerLoop : actionLoop).kick();
    announce(SUBJECTS.workDue(loop), {});
  };

  const apiDeps: ApiDeps = {
    logger,
    // An application's events are bounded as webhooks are (POST /events takes batches of them).
    bodyLimit: config.bodyLimitBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    bus,
    access: deps.access,
    rules: deps.rules,
    // Shown as the engine gets it: Flovyn takes a key over its limit as its digest.
    tester: new RuleTester(store, sandbox, config.engine.kind === 'flovyn' ? flovynKey : undefined),
    queries: deps.queries,
    replay: new ReplayService(store, clock, {
      router: () => workDue('router'),
      actions: () => workDue('actions'),
    }),
    engine: deps.localEngine,
    metrics: deps.metrics,
    readiness: deps.readiness,
    publicPlugins: [ingestRoutes(ingest, config.publicUrl)],
    orgPlugins: [
      async (app) => {
        await app.register(sourceRoutes, { sources, ingest, publicUrl: config.publicUrl, clock });
        await app.register(endpointRoutes, {
          endpoints,
          probe: new EndpointProbe(liveEndpoints, authenticatedSender, clock),
          clock,
        });
        await app.register(grantRoutes, { grants });
        await app.register(auditLogRoutes, { log: new AuditLog(store) });
        await app.register(publishRoutes, {
          publisher: publishService,
        });
      },
    ],
  };
  // A worker serves its probes and its own metrics only (for its supervisor and Prometheus); the rest is the API's.
  return config.role === 'worker' ? await buildOperationsServer(apiDeps) : await buildServer(apiDeps);
}
