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

/** `/sources` → `/api/orgs/{org}/eventhook/sources`. */
export function orgPath(path) {
  return `/api/orgs/${encodeURIComponent(session().org)}/eventhook${path}`;
}

/** Calls the org's API; resolves with the parsed JSON body (or text), throws ApiError with the problem. */
export function api(method, path, body, options) {
  return request(method, orgPath(path), body, options);
}

/**
 * Who the signed-in key is: `{ kind: 'operator' }` or `{ kind: 'key', role, permissions, … }`. Beside the org's API
 * keys, not under /eventhook: a key is the org's, not one product's.
 */
export function whoAmI() {
  return request('GET', `/api/orgs/${encodeURIComponent(session().org)}/me`);
}

async function request(method, url, body, { raw = false } = {}) {
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${session().token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (raw && res.ok) return res;
  const type = res.headers.get('content-type') ?? '';
  const payload = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) throw new ApiError(res.status, typeof payload === 'object' ? payload : { detail: payload });
  return payload;
}

/**
 * Follows GET /stream (Server-Sent Events) with fetch, which can send the bearer key (EventSource cannot).
 * Calls `onFrame(kind, data)` per frame until `signal` aborts.
 */
export async function follow(query, onFrame, signal) {
  const res = await fetch(orgPath(`/stream${query}`), {
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
