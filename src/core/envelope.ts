// The event envelope (SPEC §2): one immutable, CloudEvents-1.0-compatible shape for webhooks, published events
// and lifecycle events. Rule patterns and transforms see exactly this object.
import type { EventId } from './ids.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * An event as rules, transforms and targets see it. Invariants: `id`, `org`, `source`, `type` and `time` are
 * never empty; `headers` is present only for webhooks and never holds credentials; nothing changes it after
 * it was stored.
 */
export interface Envelope {
  readonly specversion: '1.0';
  readonly id: EventId;
  readonly org: string;
  /** `webhook:{source slug}`, `app:{name}`, `system:workflows`, `system:tasks`, `system:promises`, `system:eventhook`. */
  readonly source: string;
  readonly type: string;
  readonly subject?: string;
  /** RFC 3339, when Eventhook received the event. */
  readonly time: string;
  readonly datacontenttype?: string;
  readonly data: JsonValue;
  readonly headers?: Readonly<Record<string, string>>;
  readonly correlationid?: string;
  readonly traceparent?: string;
}

/** The envelope's top-level fields: a rule's pattern can match nothing else. */
export const ENVELOPE_FIELDS: readonly string[] = [
  'specversion',
  'id',
  'org',
  'source',
  'type',
  'subject',
  'time',
  'datacontenttype',
  'data',
  'headers',
  'correlationid',
  'traceparent',
] satisfies readonly (keyof Envelope)[];

/** Source prefixes, so code never spells them twice. */
export const SOURCE_PREFIX = { webhook: 'webhook:', app: 'app:', system: 'system:' } as const;

export const SYSTEM_SOURCES = {
  workflows: 'system:workflows',
  tasks: 'system:tasks',
  promises: 'system:promises',
  eventhook: 'system:eventhook',
} as const;

/** What stands in for a credential that is stored or shown nowhere. */
export const REDACTED = '[redacted]';

/**
 * Text a sender chose, as a store can keep it: NUL (U+0000), which a PostgreSQL text value cannot hold, becomes
 * U+FFFD. For what is stored as a column of its own (an event's type, subject, idempotency key, error); JSON keeps
 * NUL escaped, so `data` needs none of this.
 */
export function storableText<T extends string | undefined>(text: T): T {
  return (text?.includes('\0') ? text.replace(/\0/g, '\uFFFD') : text) as T;
}

/** Headers never stored nor shown to rules: credentials and hop-by-hop noise. Lower-case. */
export const SENSITIVE_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'x-auth-token',
  'x-gitlab-token',
]);

/**
 * Headers as stored on an event: lower-case names, credentials removed, repeated headers joined with ", ".
 * `extraSensitive` names headers a source's verifier reads its secret from (e.g. an api_key header).
 */
export function sanitizeHeaders(
  headers: Record<string, string | string[] | undefined>,
  extraSensitive: Iterable<string> = [],
): Record<string, string> {
  const drop = new Set([...SENSITIVE_HEADERS, ...[...extraSensitive].map((h) => h.toLowerCase())]);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || drop.has(lower)) continue;
    out[lower] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
