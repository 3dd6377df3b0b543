// Roles and what they may do (issue 5 §4): admin everything, member read/replay/retry/cancel, publisher publish
// only, worker the local engine's worker API only (claim, heartbeat, complete, fail, promises).
import type { ApiKeyRole } from '../store/records.js';

/**
 * What a route needs. `operator` routes (org management) accept only the operator token. `cancel` (the local engine's
 * workflows and tasks) is a person's or an application's call, as a retry is, and not a worker's: a worker that may
 * cancel could end executions other workers run. `read-promise` (one promise of the local engine) is both a person's
 * look, as any read, and a worker's, whose workflow waits on it.
 */
export type Permission =
  'read' | 'read-promise' | 'write' | 'replay' | 'cancel' | 'publish' | 'work' | 'operator';

const GRANTS: Record<ApiKeyRole, ReadonlySet<Permission>> = {
  admin: new Set(['read', 'read-promise', 'write', 'replay', 'cancel', 'publish', 'work']),
  member: new Set(['read', 'read-promise', 'replay', 'cancel']),
  publisher: new Set(['publish']),
  worker: new Set(['read-promise', 'work']),
};

export function roleAllows(role: ApiKeyRole, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

export const ROLES: readonly ApiKeyRole[] = ['admin', 'member', 'publisher', 'worker'];
