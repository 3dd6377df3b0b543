// Authentication and authorization for org-scoped routes: a bearer key of the org (with a role that allows the
// route's permission) or the operator token. Wrong org → 404 (existence is not revealed), wrong role → 403,
// no or unknown key → 401.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessService, Principal } from '../access/access-service.js';
import { roleAllows, type Permission } from '../access/permissions.js';
import { EventhookError } from '../core/errors.js';
import type { Actor } from '../store/records.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs; every org-scoped route must declare it. */
    permission?: Permission;
    /**
     * What a refusal calls the route when its permission's own words would mislead: listing keys needs `write`
     * (a key list is an admin's tool) but is not a change of configuration, and /metrics needs `operator` but
     * manages no org.
     */
    forbiddenAction?: string;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

/**
 * Adds the auth hook to every route registered in `scope` (an encapsulated plugin context). It runs on request,
 * before the body is even parsed, so an unauthenticated caller learns nothing from validation errors.
 */
export function requireAuth(scope: FastifyInstance, access: AccessService): void {
  scope.addHook('onRequest', async (request) => {
    const permission = request.routeOptions.config.permission;
    if (!permission) throw new Error(`route ${request.routeOptions.url} declares no permission`);
    const token = bearerToken(request);
    if (!token) throw new EventhookError('EH_AUTH_MISSING');
    const principal = await access.authenticate(token);
    if (!principal) throw new EventhookError('EH_AUTH_INVALID');
    request.principal = principal;
    const org = (request.params as { org?: string }).org;
    if (principal.kind === 'operator') {
      if (org !== undefined) await access.getOrg(org);
      return;
    }
    if (permission === 'operator' || (org !== undefined && principal.key.org !== org)) {
      // A key of another org learns nothing about this one: same answer as an org that does not exist.
      if (org !== undefined && principal.key.org !== org)
        throw new EventhookError('EH_ORG_NOT_FOUND', { org });
      throw new EventhookError('EH_AUTH_FORBIDDEN', {
        role: principal.key.role,
        action: request.routeOptions.config.forbiddenAction ?? describe('operator'),
      });
    }
    if (!roleAllows(principal.key.role, permission)) {
      throw new EventhookError('EH_AUTH_FORBIDDEN', {
        role: principal.key.role,
        action: request.routeOptions.config.forbiddenAction ?? describe(permission),
      });
    }
  });
}

/** Who the authenticated caller is, as the audit log records a change they make. */
export function actorOf(request: FastifyRequest): Actor {
  const principal = request.principal;
  if (!principal)
    throw new Error(`route ${request.routeOptions.url} changes configuration without authentication`);
  if (principal.kind === 'operator') return { kind: 'operator' };
  const { id, name, role } = principal.key;
  return { kind: 'key', id, name, role };
}

function describe(p: Permission): string {
  switch (p) {
    case 'read':
      return 'read this org';
    case 'read-promise':
      return 'read promises';
    case 'write':
      return 'change configuration';
    case 'replay':
      return 'replay events or retry actions';
    case 'cancel':
      return 'cancel workflows and tasks';
    case 'publish':
      return 'publish events';
    case 'work':
      return 'use the engine worker API';
    case 'self':
      return 'see its own role';
    case 'operator':
      return 'manage orgs';
  }
}
