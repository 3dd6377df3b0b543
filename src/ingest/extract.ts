// What ingest reads out of a verified request besides the data: the event type, the subject and the idempotency
// key, each from the provider template, the source's own config, or documented defaults (SPEC §2, §4.5).
import { Type, type Static } from '@sinclair/typebox';
import { boundedKey, digestKey, EventhookError, isEventhookError, type JsonValue } from '../core/index.js';
import { compileJmespath, type JmespathFn } from '../transform/jmespath.js';
import { parseDotPath, scalarAtPath, valueAtPath } from './body-path.js';
import { headerOf, type InboundRequest } from './inbound-request.js';
import type { ProviderTemplate } from './providers/types.js';

/** The type given when nothing names one; the envelope's `type` is never empty. */
export const UNKNOWN_EVENT_TYPE = 'unknown';
export const DEFAULT_EVENT_TYPE_HEADERS: readonly string[] = ['x-event-type', 'x-webhook-event'];
export const DEFAULT_EVENT_TYPE_FIELDS: readonly string[] = ['type', 'event_type', 'eventType', 'event'];
const MAX_EVENT_TYPE_LENGTH = 256;
const MAX_KEY_LENGTH = 256;

export const EventTypeConfigSchema = Type.Object(
  {
    header: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'Read the type from this header' }),
    ),
    jmespath: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: 'Else evaluate this over the body; a string result wins',
      }),
    ),
  },
  { additionalProperties: false, title: 'EventTypeConfig' },
);
export type EventTypeConfig = Static<typeof EventTypeConfigSchema>;

/** Save-time check of a source's eventType config; throws EH_SOURCE_INVALID at `/eventType/jmespath`. */
export function validateEventTypeConfig(config: EventTypeConfig): void {
  if (config.jmespath === undefined) return;
  try {
    compileJmespath(config.jmespath, '/eventType/jmespath');
  } catch (err) {
    if (!isEventhookError(err, 'EH_TRANSFORM_INVALID')) throw err;
    throw new EventhookError(
      'EH_SOURCE_INVALID',
      { message: err.message },
      { issues: err.issues, cause: err },
    );
  }
}

/**
 * The event type, first found wins: the provider template's rule; the source's `eventType.header`; its
 * `eventType.jmespath` over the body (a non-empty string result only); headers X-Event-Type, X-Webhook-Event;
 * body fields type, event_type, eventType, event (strings only); else UNKNOWN_EVENT_TYPE.
 */
export function extractEventType(
  req: InboundRequest,
  body: JsonValue | undefined,
  opts: { provider?: ProviderTemplate; eventType?: EventTypeConfig },
): string {
  const found =
    clean(opts.provider?.eventType?.(req, body)) ??
    clean(
      opts.eventType?.header === undefined ? undefined : headerOf(req, opts.eventType.header.toLowerCase()),
    ) ??
    clean(opts.eventType?.jmespath === undefined ? undefined : evaluate(opts.eventType.jmespath, body)) ??
    DEFAULT_EVENT_TYPE_HEADERS.map((h) => clean(headerOf(req, h))).find(Boolean) ??
    DEFAULT_EVENT_TYPE_FIELDS.map((f) => clean(stringField(body, f))).find(Boolean);
  return found ?? UNKNOWN_EVENT_TYPE;
}

/** The subject where the provider names one (GitHub repository, Stripe object id …); undefined otherwise. */
export function extractSubject(
  req: InboundRequest,
  body: JsonValue | undefined,
  opts: { provider?: ProviderTemplate },
): string | undefined {
  return clean(opts.provider?.subject?.(req, body));
}

/** A top-level body field that is a string (a numeric `type` is some other enumeration, not an event type). */
function stringField(body: JsonValue | undefined, field: string): string | undefined {
  const value = valueAtPath(body, [field]);
  return typeof value === 'string' ? value : undefined;
}

function clean(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (trimmed.length <= MAX_EVENT_TYPE_LENGTH) return trimmed;
  // Cut between characters: half an emoji (a lone surrogate) would be stored as U+FFFD.
  const last = trimmed.charCodeAt(MAX_EVENT_TYPE_LENGTH - 1);
  return trimmed.slice(
    0,
    last >= 0xd800 && last <= 0xdbff ? MAX_EVENT_TYPE_LENGTH - 1 : MAX_EVENT_TYPE_LENGTH,
  );
}

// Compiled expressions by source text; sources are few and their expressions change rarely.
const COMPILED = new Map<string, JmespathFn | null>();

function evaluate(expression: string, body: JsonValue | undefined): string | undefined {
  let fn = COMPILED.get(expression);
  if (fn === undefined) {
    try {
      fn = compileJmespath(expression, '/eventType/jmespath');
    } catch {
      fn = null; // validated at save time; a bad one here is ignored, not fatal
    }
    if (COMPILED.size >= 1000) COMPILED.delete(COMPILED.keys().next().value as string);
    COMPILED.set(expression, fn);
  }
  if (fn === null || body === undefined) return undefined;
  try {
    const result = fn(body);
    return typeof result === 'string' ? result : undefined;
  } catch {
    return undefined;
  }
}

/** The key of a request's exact bytes: for providers whose retries resend the same body and carry no delivery id. */
export const RAW_BODY_DIGEST = 'raw.sha256';

export const IdempotencyKeyPathSchema = Type.String({
  pattern: "^(header\\.[!#$%&'*+.^_`|~0-9A-Za-z-]+|body\\.[^.]+(\\.[^.]+)*|raw\\.sha256)$",
  maxLength: 256,
  description:
    'header.<name>, body.<dot.path> (numeric segments index arrays), or raw.sha256 (the SHA-256 of the exact body)',
});

type KeyPath = { from: 'header'; name: string } | { from: 'body'; path: string[] } | { from: 'raw' };

function parseKeyPath(path: string): KeyPath | string {
  if (path === RAW_BODY_DIGEST) return { from: 'raw' };
  if (path.startsWith('header.')) {
    const name = path.slice(7);
    return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)
      ? { from: 'header', name: name.toLowerCase() }
      : 'is not a header name';
  }
  if (path.startsWith('body.')) {
    const segments = parseDotPath(path.slice(5));
    return Array.isArray(segments) ? { from: 'body', path: segments } : segments.error;
  }
  return `must start with header. or body., or be ${RAW_BODY_DIGEST}`;
}

/** Save-time check of one idempotency key path; throws EH_SOURCE_INVALID naming the path. */
export function validateIdempotencyKeyPath(path: string, index = 0): void {
  const parsed = parseKeyPath(path);
  if (typeof parsed === 'string') {
    const message = `idempotencyKeys/${index} "${path}" ${parsed}`;
    throw new EventhookError(
      'EH_SOURCE_INVALID',
      { message },
      { issues: [{ path: `/idempotencyKeys/${index}`, message: parsed }] },
    );
  }
}

/**
 * The first non-empty value among `paths` (header value, or a string/number body field), or undefined: no
 * deduplication. Values longer than 256 characters are replaced by `sha256:<hex>` so the store can index them.
 */
export function extractIdempotencyKey(
  req: InboundRequest,
  body: JsonValue | undefined,
  paths: readonly string[],
): string | undefined {
  for (const path of paths) {
    const parsed = parseKeyPath(path);
    if (typeof parsed === 'string') continue;
    if (parsed.from === 'raw') {
      // An empty body is no identity: every such request would be a duplicate of the first.
      if (req.rawBody.length === 0) continue;
      return digestKey(req.rawBody);
    }
    const value =
      parsed.from === 'header' ? headerOf(req, parsed.name)?.trim() : scalarAtPath(body, parsed.path);
    if (value === undefined || value === '') continue;
    return boundedKey(value, MAX_KEY_LENGTH);
  }
  return undefined;
}
