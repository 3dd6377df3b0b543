// The console talks to the same API as every other client, with the key the user signed in with. The key lives in
// this tab's sessionStorage only: closing the tab forgets it.
const KEY = 'eventhook.session';

export function session() {
  const raw = sessionStorage.getItem(KEY);
  return raw ? JSON.parse(raw) : null;
}

export function signIn(token, org) {
  sessionStorage.setItem(KEY, JSON.stringify({ token, org }));
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/**
 * Where the console was served from, without its trailing slash: `https://host` or, behind a proxy that serves
 * Eventhook under a path, `https://host/eventhook`. Every call is made below it, so the console works under a path.
 */
export const serverBase = () => new URL('.', location.href).href.replace(/\/$/, '');

/** The signed-in org's own routes: `/api/orgs/{org}`. */
const orgRoot = () => `${serverBase()}/api/orgs/${encodeURIComponent(session().org)}`;

/** `/sources` → `/api/orgs/{org}/eventhook/sources`. */
export function orgPath(path) {
  return `${orgRoot()}/eventhook${path}`;
}

/**
 * Calls the org's API; resolves with the parsed JSON body (or text), throws ApiError with the problem. With
 * `version` (the `updatedAt` of the record the page showed) a change is made only to that version: if someone else
 * changed the record since, the API refuses it (412) rather than let this page undo their change unseen.
 */
export function api(method, path, body, options) {
  return request(method, orgPath(path), body, options);
}

/**
 * Calls the org's routes beside /eventhook rather than under it (`/api-keys` → `/api/orgs/{org}/api-keys`): its API
 * keys and who the caller is. A key is the org's, not one product's.
 */
export function orgApi(method, path, body) {
  return request(method, `${orgRoot()}${path}`, body);
}

/**
 * Calls the operator's routes over all orgs rather than the signed-in one's ('' → `/api/orgs`, '/acme' →
 * `/api/orgs/acme`): list, create, rename and delete orgs. Only the operator token may; a key of an org gets 403.
 */
export function orgsApi(method, path, body) {
  return request(method, `${serverBase()}/api/orgs${path}`, body);
}

/** Who the signed-in key is: `{ kind: 'operator' }` or `{ kind: 'key', id, name, role, expiresAt, permissions }`. */
export function whoAmI() {
  return orgApi('GET', '/me');
}

/** What fetch's bare "Failed to fetch" means to the user: no answer came (the server is down, or not reachable). */
export const UNREACHABLE =
  'The server did not answer: it is down or cannot be reached. Try again once it is back.';

/** fetch, its network failure (a TypeError saying only "Failed to fetch") said as UNREACHABLE; an abort stays one. */
async function reach(url, init) {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (err instanceof TypeError) throw new Error(UNREACHABLE);
    throw err;
  }
}

async function request(method, url, body, { raw = false, version } = {}) {
  const res = await reach(url, {
    method,
    headers: {
      authorization: `Bearer ${session().token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      // The API's ETag is the version's time in milliseconds, quoted.
      ...(version !== undefined ? { 'if-match': `"${Date.parse(version)}"` } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (raw && res.ok) return res;
  const type = res.headers.get('content-type') ?? '';
  const payload = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok)
    throw new ApiError(res.status, typeof payload === 'object' ? outdated(payload) : { detail: payload });
  return payload;
}

/** A refused change from an outdated page, said in the page's terms rather than the header's. */
function outdated(problem) {
  if (problem.code !== 'EH_VERSION_MISMATCH') return problem;
  const what = /^(.*?) has changed since it was read/.exec(problem.detail ?? '')?.[1] ?? 'This';
  return {
    ...problem,
    detail: `${what} was changed by someone else since this page showed it; nothing was saved. Reload to see the change, then make yours again.`,
  };
}

/**
 * Follows GET /stream (Server-Sent Events) with fetch, which can send the bearer key (EventSource cannot).
 * Calls `onFrame(kind, data)` per frame until `signal` aborts.
 */
export async function follow(query, onFrame, signal) {
  const res = await reach(orgPath(`/stream${query}`), {
    headers: { authorization: `Bearer ${session().token}` },
    signal,
  });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = {};
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) continue;
        const at = line.indexOf(':');
        fields[line.slice(0, at)] = line.slice(at + 1).trimStart();
      }
      if (fields.data) onFrame(fields.event ?? 'message', JSON.parse(fields.data));
    }
  }
}
