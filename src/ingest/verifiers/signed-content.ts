// Signed-content templates such as `{timestamp}.{body}` or `v0:{timestamp}:{body}`: compiled once when the
// verifier is built, rendered per request into the exact bytes the provider signed (the body stays raw bytes).
import { invalid, type JsonValue } from '../../core/index.js';
import { parseDotPath, scalarAtPath } from '../body-path.js';
import { headerOf, mediaTypeOf, type InboundRequest } from '../inbound-request.js';

export type ContentPart =
  | { readonly kind: 'literal'; readonly bytes: Buffer }
  | { readonly kind: 'body' | 'timestamp' | 'method' | 'url' | 'form_sorted' }
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'field'; readonly path: readonly string[]; readonly text: string };

/** A compiled template; `uses*` tell the verifier which inputs it must gather before rendering. */
export interface SignedContentTemplate {
  readonly source: string;
  readonly parts: readonly ContentPart[];
  readonly usesUrl: boolean;
  readonly usesTimestamp: boolean;
  readonly usesBodyFields: boolean;
}

export const TEMPLATE_PLACEHOLDERS =
  '{body}, {timestamp}, {method}, {url}, {header.<name>}, {body.<dot.path>}, {form.sorted}';

/**
 * Compiles a template; throws EH_SOURCE_INVALID located at `path` (its JSON Pointer in the verifier's config) for
 * unknown placeholders or stray braces.
 */
export function compileSignedContent(template: string, path: string): SignedContentTemplate {
  const parts: ContentPart[] = [];
  const fail = (reason: string): never => {
    throw invalid([{ path, message: reason }], 'EH_SOURCE_INVALID');
  };
  let last = 0;
  for (const match of template.matchAll(/\{([^{}]*)\}/g)) {
    pushLiteral(parts, template.slice(last, match.index), fail);
    parts.push(placeholder(match[1] ?? '', fail));
    last = match.index + match[0].length;
  }
  pushLiteral(parts, template.slice(last), fail);
  return {
    source: template,
    parts,
    usesUrl: parts.some((p) => p.kind === 'url'),
    usesTimestamp: parts.some((p) => p.kind === 'timestamp'),
    usesBodyFields: parts.some((p) => p.kind === 'field'),
  };
}

function pushLiteral(parts: ContentPart[], text: string, fail: (reason: string) => never): void {
  if (text.includes('{') || text.includes('}'))
    fail(`unbalanced brace in "${text}"; placeholders: ${TEMPLATE_PLACEHOLDERS}`);
  if (text.length > 0) parts.push({ kind: 'literal', bytes: Buffer.from(text, 'utf8') });
}

function placeholder(name: string, fail: (reason: string) => never): ContentPart {
  switch (name) {
    case 'body':
    case 'timestamp':
    case 'method':
    case 'url':
      return { kind: name };
    case 'form.sorted':
      return { kind: 'form_sorted' };
  }
  if (name.startsWith('header.') && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name.slice(7))) {
    return { kind: 'header', name: name.slice(7).toLowerCase() };
  }
  if (name.startsWith('body.')) {
    const path = parseDotPath(name.slice(5));
    if (!Array.isArray(path)) return fail(`{${name}}: ${path.error}`);
    return { kind: 'field', path, text: name.slice(5) };
  }
  return fail(`unknown placeholder {${name}}; placeholders: ${TEMPLATE_PLACEHOLDERS}`);
}

export interface RenderInput {
  readonly req: InboundRequest;
  readonly timestamp?: string;
  readonly url?: string;
  readonly body?: JsonValue;
}

/** The signed bytes, or the name of the input that is missing from the request. */
export function renderSignedContent(
  t: SignedContentTemplate,
  input: RenderInput,
): Buffer | { missing: string } {
  const chunks: Buffer[] = [];
  for (const part of t.parts) {
    switch (part.kind) {
      case 'literal':
        chunks.push(part.bytes);
        break;
      case 'body':
        chunks.push(input.req.rawBody);
        break;
      case 'method':
        chunks.push(Buffer.from(input.req.method.toUpperCase()));
        break;
      case 'timestamp':
        if (input.timestamp === undefined) return { missing: 'timestamp' };
        chunks.push(Buffer.from(input.timestamp, 'utf8'));
        break;
      case 'url':
        chunks.push(Buffer.from(input.url ?? input.req.url, 'utf8'));
        break;
      case 'form_sorted':
        chunks.push(Buffer.from(sortedFormParams(input.req), 'utf8'));
        break;
      case 'header': {
        const value = headerOf(input.req, part.name);
        if (value === undefined) return { missing: `header ${part.name}` };
        chunks.push(Buffer.from(value, 'utf8'));
        break;
      }
      case 'field': {
        const value = scalarAtPath(input.body, part.path);
        if (value === undefined) return { missing: `body field ${part.text}` };
        chunks.push(Buffer.from(value, 'utf8'));
        break;
      }
    }
  }
  return Buffer.concat(chunks);
}

/**
 * Twilio's parameter string: form fields sorted by name, each as name + value; a repeated field contributes
 * each distinct value, sorted. Empty unless the body is form-encoded (JSON bodies are covered by bodySHA256).
 */
export function sortedFormParams(req: InboundRequest): string {
  if (mediaTypeOf(headerOf(req, 'content-type')) !== 'application/x-www-form-urlencoded') return '';
  const byName = new Map<string, Set<string>>();
  for (const [name, value] of new URLSearchParams(req.rawBody.toString('utf8'))) {
    const values = byName.get(name) ?? new Set<string>();
    values.add(value);
    byName.set(name, values);
  }
  let out = '';
  for (const name of [...byName.keys()].sort()) {
    for (const value of [...(byName.get(name) ?? [])].sort()) out += name + value;
  }
  return out;
}

/** The escapes HubSpot decodes in the URI before it signs a v3 request (its "Validating requests" page). */
const HUBSPOT_DECODED: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** `url` with HubSpot's listed escapes decoded (either case of hex digit); every other escape is kept. */
export function hubspotDecodedUrl(url: string): string {
  return url.replace(
    /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi,
    (m) => HUBSPOT_DECODED[m.toUpperCase()] ?? m,
  );
}

/**
 * The URL as given plus its variant with the default port added or removed: providers sign the URL they were
 * configured with, and a proxy may or may not show the port (Twilio's own validator tries both). With `decoded`,
 * each also with HubSpot's listed escapes decoded, as HubSpot signs it.
 */
export function urlCandidates(url: string, decoded = false): string[] {
  if (decoded) {
    const plain = urlCandidates(url);
    return [...new Set([...plain, ...plain.map(hubspotDecodedUrl)])];
  }
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url);
  if (!m) return [url];
  const [, scheme = '', authority = '', rest = ''] = m;
  const at = authority.lastIndexOf('@');
  const userInfo = authority.slice(0, at + 1);
  const hostPort = authority.slice(at + 1);
  const colon = hostPort.indexOf(':', hostPort.lastIndexOf(']') + 1);
  const host = colon === -1 ? hostPort : hostPort.slice(0, colon);
  const defaultPort = scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  const withoutPort = scheme + userInfo + host + rest;
  const withPort = colon === -1 ? scheme + userInfo + host + defaultPort + rest : url;
  return [...new Set([url, withoutPort, withPort])];
}
