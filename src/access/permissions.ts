// Roles and what they may do (issue 5 §4): admin everything, member read/replay/retry/cancel, publisher publish
// only, worker the local engine's worker API only (claim, heartbeat, complete, fail, promises). Every role may ask
// who it is (`self`).
import type { ApiKeyRole } from '../store/records.js';

/**
 * What a route needs. `operator` routes (org management) accept only the operator token. `cancel` (the local engine's
 * workflows and tasks) is a person's or an application's call, as a retry is, and not a worker's: a worker that may
 * cancel could end executions other workers run. `read-promise` (one promise of the local engine) is both a person's
 * look, as any read, and a worker's, whose workflow waits on it. `self` (the caller's own role and permissions,
 * GET /api/orgs/{org}/me) is every role's: a client learns what to offer before it is refused, and it shows
 * nothing of the org — that is why it is not `read`, which publishers and workers lack.
 */
export const PERMISSIONS = [
  'read',
  'read-promise',
  'write',
  'replay',
  'cancel',
  'publish',
  'work',
  'self',
  'operator',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<ApiKeyRole, ReadonlySet<Permission>> = {
  admin: new Set(['read', 'read-promise', 'write', 'replay', 'cancel', 'publish', 'work', 'self']),
  member: new Set(['read', 'read-promise', 'replay', 'cancel', 'self']),
  publisher: new Set(['publish', 'self']),
  worker: new Set(['read-promise', 'work', 'self']),
};

export function roleAllows(role: ApiKeyRole, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

/** What a role may do, in PERMISSIONS order (never `operator`: only the operator token has that). */
export function permissionsOf(role: ApiKeyRole): Permission[] {
  return PERMISSIONS.filter((p) => GRANTS[role].has(p));
}

export const ROLES: readonly ApiKeyRole[] = ['admin', 'member', 'publisher', 'worker'];
