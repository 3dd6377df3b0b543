// Liveness and readiness: /healthz answers while the process runs; /readyz only when the store answers and the
// roles this process runs have started.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export interface Readiness {
  check(): Promise<{ ready: boolean; checks: Record<string, string> }>;
}

const HealthOut = Type.Object({
  status: Type.String(),
  checks: Type.Optional(Type.Record(Type.String(), Type.String())),
});

export const healthRoutes: FastifyPluginAsyncTypebox<{ readiness: Readiness }> = async (
  app,
  { readiness },
) => {
  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'Liveness', response: { 200: HealthOut } } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: store reachable, workers started',
        response: { 200: HealthOut, 503: HealthOut },
      },
    },
    async (_req, reply) => {
      const { ready, checks } = await readiness.check();
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
    },
  );
};
