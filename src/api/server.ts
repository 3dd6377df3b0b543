// Builds the HTTP servers: the API's (error handling, OpenAPI, one plugin per resource) and a worker's operations
// server (probes and metrics). Org-scoped routes are registered inside one encapsulated scope that carries the auth
// hook, /metrics in one of its own; ingest and health stay outside them (STYLE §18).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { AccessService } from '../access/access-service.js';
import type { Permission } from '../access/permissions.js';
import type { Bus } from '../bus/port.js';
import type { WorkerApi } from '../engine/port.js';
import type { EventQueries } from '../events/event-queries.js';
import type { ReplayService } from '../events/replay-service.js';
import type { Metrics } from '../observability/metrics.js';
import type { RuleService } from '../routing/rule-service.js';
import type { RuleTester } from '../routing/rule-tester.js';
import { requireAuth } from './auth.js';
import { clientErrorHandler, requestTimeoutOptions } from './client-errors.js';
import { installMethodGuard } from './method-guard.js';
import { problemResponses } from './openapi-problems.js';
import { EventhookError } from '../core/errors.js';
import { handleError, requestOutageLog, sendProblem } from './problem.js';
import { installBodyReading } from './request-body.js';
import { installVersionTags } from './versioning.js';
import { actionRoutes } from './routes/actions.js';
import { consoleRoutes } from './routes/console.js';
import { engineRoutes, localEngineOffRoutes } from './routes/engine.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes, type Readiness } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { orgRoutes } from './routes/orgs.js';
import { ruleRoutes } from './routes/rules.js';
import { streamRoutes } from './routes/stream.js';
import { ProblemOut } from './schemas.js';
import { continueOnRead, lingerIfUnread } from './unread-body.js';
import { requestValidators } from './validation.js';

/** Every registered route with what it needs: the OpenAPI and authorization-matrix tests read it. */
export interface RouteEntry {
  method: string;
  url: string;
  permission: Permission | undefined;
  hidden: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeCatalog: RouteEntry[];
  }
}

export interface ApiDeps {
  logger: Logger;
  bus: Bus;
  access: AccessService;
  rules: RuleService;
  tester: RuleTester;
  queries: EventQueries;
  replay: ReplayService;
  readiness: Readiness;
  metrics: Metrics;
  /** Present when the local engine serves workers. */
  engine?: WorkerApi;
  /** Routes outside the org scope that bring their own authentication (ingest). */
  publicPlugins?: ReadonlyArray<(app: FastifyInstance) => Promise<void>>;
  /** Org-scoped routes contributed by other concerns (sources, publish, …); they get the auth hook. */
  orgPlugins?: ReadonlyArray<(app: FastifyInstance) => Promise<void>>;
  /** Management request body limit (webhook bodies have their own, per source). */
  bodyLimit?: number;
  /** Longest a client may take to send a whole request (EVENTHOOK_REQUEST_TIMEOUT); 0: no bound. */
  requestTimeoutMs: number;
}

/** A proxy's `x-request-id` when it is a plain token (it goes into every log line), else one of our own. */
const PLAIN_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Unique across processes and restarts, unlike Fastify's counter (req-1, req-2, … in every process). */
function requestId(req: IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  return typeof sent === 'string' && PLAIN_REQUEST_ID.test(sent)
    ? sent
    : randomBytes(12).toString('base64url');
}

/**
 * What every HTTP server of a process shares: logging, errors as problem+json, 404 and 405 for unknown routes, and
 * the route catalog.
 */
function baseServer(deps: Pick<ApiDeps, 'logger' | 'metrics' | 'requestTimeoutMs'>, bodyLimit: number) {
  const { requestTimeoutMs } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit,
    ...requestTimeoutOptions(requestTimeoutMs),
    clientErrorHandler: clientErrorHandler(requestTimeoutMs, deps.logger as FastifyBaseLogger, (reason) =>
      deps.metrics.httpRefused.inc({ reason }),
    ),
    routerOptions: { ignoreTrailingSlash: true },
    // Refused in the onRequest hook below instead, as problem+json with Retry-After.
    return503OnClosing: false,
    genReqId: requestId,
    // Bodies are validated as sent, query strings and path parameters with coercion (src/api/validation.ts).
    schemaController: { compilersFactory: { buildValidator: requestValidators() } },
    // Per-request log lines for management calls; none for the high-volume ingest route and probes.
    logController: new LogController({
      disableRequestLogging: (req) =>
        req.url.includes('/eventhook/in/') || req.url === '/healthz' || req.url === '/readyz',
    }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  continueOnRead(app.server);
  // Once the server closes, a request on a connection still open (keep-alive, pipelined) is refused: the process is
  // finishing what it took, and the sender should try again shortly (elsewhere). Fastify closes the connection after.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // The id each request is logged under (reqId), on its answer: a caller's failure can then be found in the logs.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    if (!closing) return done();
    sendProblem(
      reply,
      new EventhookError(
        'EH_NOT_READY',
        { reason: 'it is shutting down; send the request again' },
        { headers: { 'retry-after': '5' } },
      ),
    );
  });
  // Requests refused because the store is out are logged when they begin, once a minute, and when an API or ingest
  // request succeeds again (probes, docs and the console's files need no store, so they end no outage).
  const outages = requestOutageLog(deps.logger);
  app.addHook('onResponse', (request, reply, done) => {
    if (reply.statusCode < 400 && request.url.startsWith('/api/')) outages.succeeded();
    done();
  });
  app.setErrorHandler((error: Error, request: FastifyRequest, reply: FastifyReply) => {
    if (lingerIfUnread(request.raw, reply.getHeader('connection') === 'close'))
      reply.header('connection', 'close');
    return handleError(error, request, reply, outages);
  });
  installMethodGuard(app);
  const catalog: RouteEntry[] = [];
  app.decorate('routeCatalog', catalog);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      catalog.push({
        method,
        url: route.url,
        permission: route.config?.permission,
        hidden: route.schema?.hide === true,
      });
    }
  });
  return app;
}

/** The operations server of a worker process: probes and its own metrics, every other path 404 as on the API. */
export async function buildOperationsServer(
  deps: Pick<ApiDeps, 'logger' | 'access' | 'readiness' | 'metrics' | 'requestTimeoutMs'>,
): Promise<FastifyInstance> {
  const app = baseServer(deps, 1024 * 1024);
  await app.register(healthRoutes, { readiness: deps.readiness });
  await app.register(metricsRoutes, { access: deps.access, metrics: deps.metrics });
  return app as unknown as FastifyInstance;
}

export async function buildServer(deps: ApiDeps): Promise<FastifyInstance> {
  const app = baseServer(deps, deps.bodyLimit ?? 1024 * 1024);
  const optionalBodies = installBodyReading(app);
  const versionTags = installVersionTags(app);
  app.addSchema(ProblemOut);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Eventhook',
        version: '0.1.0',
        description:
          'Event router and webhook gateway. Errors are RFC 9457 problem+json (codes in docs/errors.md).',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transformObject: (doc) =>
      'openapiObject' in doc
        ? problemResponses(versionTags(optionalBodies(doc.openapiObject)))
        : doc.swaggerObject,
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await app.register(async (docs) => {
    // A page people paste keys into, on the console's origin: framed by no other site (clickjacking), its files never
    // sniffed. Only frame-ancestors: the plugin's own script and style policy (staticCSP) blocks a style Swagger UI
    // sets inline.
    docs.addHook('onSend', async (_req, reply) => {
      reply.header('content-security-policy', "frame-ancestors 'none'");
      reply.header('x-content-type-options', 'nosniff');
    });
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, { readiness: deps.readiness });
  await app.register(consoleRoutes);
  for (const plugin of deps.publicPlugins ?? []) await app.register(plugin);
  await app.register(metricsRoutes, { access: deps.access, metrics: deps.metrics });
  await app.register(async (scope) => {
    requireAuth(scope, deps.access);
    await scope.register(orgRoutes, { access: deps.access });
    await scope.register(ruleRoutes, { rules: deps.rules, tester: deps.tester });
    await scope.register(eventRoutes, { queries: deps.queries, replay: deps.replay });
    await scope.register(actionRoutes, { queries: deps.queries, replay: deps.replay });
    await scope.register(streamRoutes, { bus: deps.bus, queries: deps.queries, access: deps.access });
    if (deps.engine) await scope.register(engineRoutes, { engine: deps.engine });
    else await scope.register(localEngineOffRoutes);
    for (const plugin of deps.orgPlugins ?? []) await scope.register(plugin);
  });
  return app as unknown as FastifyInstance;
}
