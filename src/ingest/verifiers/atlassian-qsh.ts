// Atlassian's query string hash (qsh): the claim Connect and OAuth 2.0 apps' webhook JWTs carry to bind the token to
// one method, path and query. Canonical form per Atlassian's spec (and the atlassian-jwt library).
import { createHash } from 'node:crypto';

/** `METHOD&/canonical/path&sorted=query` for a request, with the app's base URL path stripped from the path. */
export function atlassianCanonicalRequest(method: string, url: string, baseUrl?: string): string {
  const queryStart = url.indexOf('?');
  const hashStart = url.indexOf('#');
  const beforeQuery =
    queryStart === -1 ? (hashStart === -1 ? url : url.slice(0, hashStart)) : url.slice(0, queryStart);
  const search =
    queryStart === -1 ? '' : url.slice(queryStart + 1, hashStart > queryStart ? hashStart : undefined);
  let path = pathOf(beforeQuery);
  const basePath = baseUrl === undefined ? '' : pathOf(baseUrl).replace(/\/$/, '');
  if (basePath && path.startsWith(basePath)) path = path.slice(basePath.length);
  if (path === '') path = '/';
  path = path.replace(/&/g, '%26');
  if (!path.startsWith('/')) path = `/${path}`;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return `${method.toUpperCase()}&${path}&${canonicalQuery(search)}`;
}

export function atlassianQsh(method: string, url: string, baseUrl?: string): string {
  return createHash('sha256')
    .update(atlassianCanonicalRequest(method, url, baseUrl))
    .digest('hex');
}

function pathOf(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(.*)$/is.exec(url);
  return m ? (m[1] ?? '') : url;
}

function canonicalQuery(search: string): string {
  const params = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(search)) {
    if (key === 'jwt') continue;
    params.set(key, [...(params.get(key) ?? []), value]);
  }
  return [...params.keys()]
    .sort()
    .map((key) => `${encodeRfc3986(key)}=${(params.get(key) ?? []).sort().map(encodeRfc3986).join(',')}`)
    .join('&');
}

function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
