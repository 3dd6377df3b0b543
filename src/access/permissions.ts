// Roles and what they may do (issue 5 §4): admin everything, member read/replay/retry, publisher publish only,
// worker the local engine's worker API only (claim, heartbeat, complete, fail, promises).
import type { ApiKeyRole } from '../store/records.js';

/** What a route needs. `operator` routes (org management) accept only the operator token. */
export type Permission = 'read' | 'write' | 'replay' | 'publish' | 'work' | 'operator';

const GRANTS: Record<ApiKeyRole, ReadonlySet<Permission>> = {
  admin: new Set(['read', 'write', 'replay', 'publish', 'work']),
  member: new Set(['read', 'replay']),
  publisher: new Set(['publish']),
  worker: new Set(['work']),
};

export function roleAllows(role: ApiKeyRole, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

export const ROLES: readonly ApiKeyRole[] = ['admin', 'member', 'publisher', 'worker'];
