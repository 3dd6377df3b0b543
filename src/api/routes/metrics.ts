// GET /metrics (Prometheus), on the API and on a worker's operations server alike, in its own auth scope.
import type { FastifyInstance } from 'fastify';
import type { AccessService } from '../../access/access-service.js';
import type { Metrics } from '../../observability/metrics.js';
import { requireAuth } from '../auth.js';

export async function metricsRoutes(
  app: FastifyInstance,
  { access, metrics }: { access: AccessService; metrics: Metrics },
): Promise<void> {
  requireAuth(app, access);
  // Operator only: the series are labelled with every org's and source's name (unknown sources answer 404 to
  // senders precisely so that names cannot be probed). Prometheus sends the token as a bearer credential.
  app.get(
    '/metrics',
    {
      schema: { tags: ['operations'], summary: 'Prometheus metrics (operator token)' },
      config: { permission: 'operator', forbiddenAction: 'read /metrics, which takes the operator token' },
    },
    async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.scrape()),
  );
}
