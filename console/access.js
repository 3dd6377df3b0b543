// What the signed-in key may do, asked of the API once per sign-in (GET /api/orgs/{org}/me). Pages ask `can` and
// leave out what the key's role may not use, rather than offer it and show the API's 403. The console keeps no copy
// of the roles table: the permissions come from the API, which takes them from src/access/permissions.ts. Hiding is
// a courtesy, not the protection: the API still refuses what a role may not do.
import { session, whoAmI } from './api.js';
import { when } from './dom.js';

/** The answer for the session it was asked for; a new sign-in (another key or org) asks again. */
let known = null;

/** The answer, if it was asked for the session now signed in: never the previous key's, after signing out. */
function me() {
  const s = session();
  return s && known?.token === s.token && known.org === s.org ? known.me : undefined;
}

/** Asks the API who the signed-in key is, unless it already did for this session; resolves with the answer. */
export async function loadAccess() {
  const s = session();
  if (known?.token === s.token && known.org === s.org) return known.me;
  const me = await whoAmI();
  known = { token: s.token, org: s.org, me };
  return me;
}

/**
 * May the signed-in key do `permission` ('read', 'write', 'replay', 'cancel', …)? The operator token may all.
 * 'operator' (managing the orgs themselves) is the operator token's alone: the API lists it in no role's permissions.
 */
export function can(permission) {
  const m = me();
  if (!m) return false;
  return m.kind === 'operator' || m.permissions.includes(permission);
}

/**
 * `nodes` when the key may do `permission`, else none: always an array, which `h()` flattens into its children and
 * `replaceChildren` takes spread (`...ifCan('write', form)`).
 */
export function ifCan(permission, ...nodes) {
  return can(permission) ? nodes : [];
}

/** How the key is named in the header: `operator token`, or its role and name, and when it expires if it does. */
export function whoText() {
  const m = me();
  if (!m) return '';
  if (m.kind === 'operator') return 'operator token';
  return `${m.role} key ${m.name}${m.expiresAt ? ` (expires ${when(m.expiresAt)})` : ''}`;
}

/** The id of the key signed in (key_…), as the org's list of API keys names it; none for the operator token. */
export function signedInKeyId() {
  const m = me();
  return m?.kind === 'key' ? m.id : undefined;
}

/** The role of a key that may not read the org (publisher, worker), which the console has nothing to show. */
export function roleWithoutConsole() {
  const m = me();
  return m?.kind === 'key' && !can('read') ? m.role : undefined;
}
