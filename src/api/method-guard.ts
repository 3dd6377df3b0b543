// Answers 405 (with Allow) instead of 404 when the path exists under other methods: Fastify alone cannot tell
// the two apart, so this keeps a second router with every registered route.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Router, { type HTTPMethod } from 'find-my-way';
import { EventhookError } from '../core/errors.js';
import { sendProblem } from './problem.js';

const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export function installMethodGuard(app: FastifyInstance): void {
  const router = Router({ ignoreTrailingSlash: true });
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (!METHODS.includes(method as HTTPMethod)) continue;
      try {
        router.on(method as HTTPMethod, route.url, () => {});
      } catch {
        // Already known (e.g. HEAD added for a GET route).
      }
    }
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = METHODS.filter((m) => m !== request.method && router.find(m, path));
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(
        reply,
        new EventhookError('EH_METHOD_NOT_ALLOWED', { method: request.method, url: path }),
      );
    }
    return sendProblem(
      reply,
      new EventhookError('EH_ROUTE_NOT_FOUND', { method: request.method, url: path }),
    );
  });
}
