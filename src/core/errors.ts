// The error catalogue (STYLE §20–22): every error the product raises has a stable code, an HTTP status, a kind
// that retry decisions read, and a message template. docs/errors.md lists the same codes; a test keeps them equal.

/** What went wrong, in terms callers act on (retry, report, give up), never parsed from a message. */
export type ErrorKind =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'rate_limited'
  | 'unsupported'
  | 'store'
  | 'timeout'
  | 'upstream'
  | 'sandbox'
  | 'internal';

interface ErrorSpec {
  readonly status: number;
  readonly kind: ErrorKind;
  /** Message template; `{name}` placeholders are filled from the params given when raising. */
  readonly message: string;
}

export const ERRORS = {
  // request shape
  EH_REQUEST_INVALID: { status: 400, kind: 'validation', message: '{message}' },
  EH_REQUEST_MALFORMED: {
    status: 400,
    kind: 'validation',
    message: 'The request body is not valid JSON: {reason}',
  },
  EH_REQUEST_TOO_LARGE: { status: 413, kind: 'too_large', message: 'The request body exceeds {limit} bytes' },
  EH_REQUEST_TIMEOUT: {
    status: 408,
    kind: 'timeout',
    message: 'The request was not received in full within {timeoutMs} ms',
  },
  EH_REQUEST_HEADERS_TOO_LARGE: {
    status: 431,
    kind: 'too_large',
    message: "The request's headers exceed the server's limit of {limit} bytes",
  },
  EH_HTTP_MALFORMED: { status: 400, kind: 'validation', message: 'The request is not valid HTTP/1.1' },
  EH_ROUTE_NOT_FOUND: { status: 404, kind: 'not_found', message: 'No route {method} {url}' },
  EH_LOCAL_ENGINE_OFF: {
    status: 404,
    kind: 'not_found',
    message:
      'The local engine is off: this deployment runs workflows, tasks and promises in Flovyn (EVENTHOOK_ENGINE=flovyn), whose API its workers use',
  },
  EH_METHOD_NOT_ALLOWED: {
    status: 405,
    kind: 'unsupported',
    message: 'Method {method} is not allowed on {url}',
  },
  EH_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    kind: 'unsupported',
    message: 'Content type {contentType} is not supported',
  },
  // authentication and authorization
  EH_AUTH_MISSING: {
    status: 401,
    kind: 'unauthorized',
    message: 'An Authorization: Bearer <key> header is required',
  },
  EH_AUTH_INVALID: { status: 401, kind: 'unauthorized', message: 'The API key is not valid' },
  EH_AUTH_EXPIRED: { status: 401, kind: 'unauthorized', message: 'The API key expired at {expiredAt}' },
  EH_AUTH_FORBIDDEN: { status: 403, kind: 'forbidden', message: 'The {role} role may not {action}' },
  // orgs and keys
  EH_ORG_NOT_FOUND: { status: 404, kind: 'not_found', message: 'Org {org} was not found' },
  EH_ORG_EXISTS: { status: 409, kind: 'conflict', message: 'Org {org} already exists' },
  EH_ORG_BEING_DELETED: {
    status: 409,
    kind: 'conflict',
    message: 'Org {org} was deleted and its data is being purged; the slug is free again once that is done',
  },
  EH_CONCURRENT_CHANGE: {
    status: 409,
    kind: 'conflict',
    message: '{resource} {name} changed while this change was being saved; try again',
  },
  EH_VERSION_MISMATCH: {
    status: 412,
    kind: 'conflict',
    message:
      '{resource} {name} has changed since it was read: If-Match names version {expected}, it is now at {current}; read it again and reapply the change',
  },
  EH_IF_MATCH_INVALID: {
    status: 400,
    kind: 'validation',
    message: 'If-Match must be one entity tag as ETag gave it (like "1764806400000") or *; got {value}',
  },
  EH_API_KEY_NOT_FOUND: { status: 404, kind: 'not_found', message: 'API key {key} was not found' },
  // sources and ingest
  EH_SOURCE_NOT_FOUND: { status: 404, kind: 'not_found', message: 'Source {source} was not found' },
  EH_SOURCE_EXISTS: { status: 409, kind: 'conflict', message: 'Source {source} already exists' },
  EH_SOURCE_INVALID: { status: 400, kind: 'validation', message: '{message}' },
  EH_SOURCE_SECRET_REQUIRED: {
    status: 400,
    kind: 'validation',
    message:
      '{provider} issues the secret of source {source} itself, so one Eventhook made up would verify nothing: give the new secret {provider} shows as secret',
  },
  EH_PROVIDER_UNKNOWN: { status: 400, kind: 'validation', message: 'Unknown provider {provider}: {hint}' },
  EH_INGEST_UNAUTHORIZED: { status: 401, kind: 'unauthorized', message: 'Webhook verification failed' },
  EH_INGEST_FORBIDDEN: { status: 403, kind: 'forbidden', message: 'The sender address is not allowed' },
  EH_INGEST_RATE_LIMITED: { status: 429, kind: 'rate_limited', message: 'Too many requests for this source' },
  EH_INGEST_MALFORMED: {
    status: 400,
    kind: 'validation',
    message: 'The body could not be parsed as {contentType}: {reason}',
  },
  EH_INGEST_OVERLOADED: {
    status: 503,
    kind: 'store',
    message: 'Too many requests are waiting to be stored; try again shortly',
  },
  EH_INGEST_HEADERS_TOO_LARGE: { status: 431, kind: 'too_large', message: 'Too many or too large headers' },
  // rules, patterns and transforms
  EH_RULE_NOT_FOUND: { status: 404, kind: 'not_found', message: 'Rule {rule} was not found' },
  EH_RULE_EXISTS: { status: 409, kind: 'conflict', message: 'Rule {rule} already exists' },
  EH_PATTERN_INVALID: { status: 400, kind: 'validation', message: 'Invalid pattern at {path}: {reason}' },
  EH_TARGET_INVALID: { status: 400, kind: 'validation', message: 'Invalid target at {path}: {reason}' },
  EH_TRANSFORM_INVALID: { status: 400, kind: 'validation', message: 'Invalid transform at {path}: {reason}' },
  EH_SCRIPT_INVALID: { status: 400, kind: 'validation', message: 'Invalid script at {path}: {reason}' },
  EH_TRANSFORM_FAILED: { status: 422, kind: 'validation', message: 'The transform failed: {reason}' },
  EH_BACKTEST_BUSY: {
    status: 429,
    kind: 'rate_limited',
    message: 'A backtest of org {org} is already running; try again once it has finished',
  },
  // Kind timeout, not sandbox: the limit is wall time, so a loaded machine can stop a script that fits it at other
  // moments; an action whose transform timed out is tried again on its retry schedule.
  EH_SCRIPT_TIMEOUT: {
    status: 422,
    kind: 'timeout',
    message: 'The script exceeded its CPU time limit of {limitMs} ms',
  },
  EH_SCRIPT_MEMORY: {
    status: 422,
    kind: 'sandbox',
    message: 'The script exceeded its memory limit of {limitBytes} bytes',
  },
  EH_SCRIPT_ERROR: { status: 422, kind: 'sandbox', message: 'The script threw: {reason}' },
  EH_SCRIPT_OUTPUT: {
    status: 422,
    kind: 'sandbox',
    message: 'The script returned an unusable value: {reason}',
  },
  // events and actions
  EH_EVENT_NOT_FOUND: { status: 404, kind: 'not_found', message: 'Event {event} was not found' },
  EH_EVENT_INVALID: { status: 400, kind: 'validation', message: '{message}' },
  EH_EVENT_NO_RAW_BODY: {
    status: 404,
    kind: 'not_found',
    message:
      'Event {event} has no original request body: only webhooks keep one (its data is in GET /events/{event})',
  },
  EH_ACTION_NOT_FOUND: { status: 404, kind: 'not_found', message: 'Action {action} was not found' },
  EH_ACTION_NOT_RETRIABLE: {
    status: 409,
    kind: 'conflict',
    message: 'Action {action} is {status} and cannot be retried',
  },
  EH_ACTION_NEVER_RAN: {
    status: 409,
    kind: 'conflict',
    message:
      'Action {action} never ran ({reason}): a retry would skip its rule’s filter; replay its event once the rule is fixed',
  },
  EH_CURSOR_INVALID: { status: 400, kind: 'validation', message: 'The cursor is not valid' },
  // endpoints and delivery
  EH_ENDPOINT_NOT_FOUND: { status: 404, kind: 'not_found', message: 'Endpoint {endpoint} was not found' },
  EH_ENDPOINT_EXISTS: { status: 409, kind: 'conflict', message: 'Endpoint {endpoint} already exists' },
  EH_ENDPOINT_INVALID: { status: 400, kind: 'validation', message: '{message}' },
  EH_ENDPOINT_IN_USE: {
    status: 409,
    kind: 'conflict',
    message:
      'Endpoint {endpoint} is a target of rule(s) {rules}; remove it from their targets or delete the rules first',
  },
  EH_DELIVERY_FORBIDDEN_ADDRESS: {
    status: 400,
    kind: 'forbidden',
    message: 'Delivery to {address} is not allowed: {reason}',
  },
  // grants (cross-org event_bus publishing)
  EH_GRANT_NOT_FOUND: { status: 404, kind: 'not_found', message: 'Grant {grant} was not found' },
  EH_GRANT_INVALID: { status: 400, kind: 'validation', message: '{message}' },
  EH_GRANT_REQUIRED: {
    status: 403,
    kind: 'forbidden',
    message: 'Org {org} has no grant letting org {fromOrg} publish {type} events into it',
  },
  // engine
  EH_ENGINE_NOT_FOUND: { status: 404, kind: 'not_found', message: '{what} {id} was not found' },
  // Flovyn's 404 to a promise call: not registered yet (worth retrying), or another thing missing, as its reason says.
  EH_ENGINE_PROMISE_NOT_FOUND: {
    status: 404,
    kind: 'not_found',
    message: 'Promise {id} was not found: Flovyn answered {status}: {reason}',
  },
  EH_ENGINE_CONFLICT: { status: 409, kind: 'conflict', message: '{message}' },
  EH_ENGINE_LEASE_LOST: {
    status: 409,
    kind: 'conflict',
    message: '{what} {id} is not claimed by this worker: {reason}',
  },
  // Apart from EH_ENGINE_LEASE_LOST so a worker can tell "stop, nobody wants this" from "another worker has it".
  EH_ENGINE_CANCELLED: { status: 409, kind: 'conflict', message: '{what} {id} was cancelled: {reason}' },
  EH_ENGINE_FINISHED: {
    status: 409,
    kind: 'conflict',
    message: '{what} {id} is already {status}: only a pending or running one can be cancelled',
  },
  // A promise made for a workflow that ended would never be awaited nor rejected with it (its end rejected the pending
  // ones it had). Apart from EH_ENGINE_FINISHED, whose message speaks of cancelling.
  EH_ENGINE_WORKFLOW_ENDED: {
    status: 409,
    kind: 'conflict',
    message:
      'Workflow {id} is already {status}: a promise can only be created for a pending or running workflow',
  },
  // Flovyn refuses a larger input (413) once it has read it all; both engines refuse it first. Kind validation: no
  // retry makes it smaller, so the action is dead at once.
  EH_ENGINE_INPUT_TOO_LARGE: {
    status: 413,
    kind: 'validation',
    message:
      'The {what} input is {size} bytes as JSON, over the engine’s limit of {limit} bytes (1 MiB): give the target an input that keeps only what the {what} needs',
  },
  EH_ENGINE_UPSTREAM: { status: 502, kind: 'upstream', message: 'The engine answered {status}: {reason}' },
  EH_ENGINE_UNREACHABLE: {
    status: 502,
    kind: 'upstream',
    message: 'The engine could not be reached: {reason}',
  },
  EH_ENGINE_TIMEOUT: {
    status: 504,
    kind: 'timeout',
    message: 'The engine did not answer within {timeoutMs} ms',
  },
  // infrastructure
  EH_STORE_UNAVAILABLE: {
    status: 503,
    kind: 'store',
    message: 'The database is unavailable: {reason}; try again shortly',
  },
  EH_STORE_TIMEOUT: {
    status: 503,
    kind: 'timeout',
    message: 'The database did not finish a query in time: {reason}; try again shortly',
  },
  EH_STORE_OPEN_FAILED: {
    status: 503,
    kind: 'store',
    message: 'Could not open the database {database}: {reason}',
  },
  EH_STORE_MISSING: {
    status: 503,
    kind: 'store',
    message:
      'The database {database} does not exist and EVENTHOOK_MIGRATE is off: run `eventhook migrate` first, which creates it',
  },
  EH_STORE_SCHEMA_BEHIND: {
    status: 503,
    kind: 'store',
    message:
      'The database schema lacks {count} of the migrations this version needs ({names}) and EVENTHOOK_MIGRATE is off: run `eventhook migrate` first',
  },
  EH_STORE_MIGRATION_LOCKED: {
    status: 503,
    kind: 'timeout',
    message:
      'Migration {migration} waited longer than {timeoutMs} ms (EVENTHOOK_MIGRATE_LOCK_TIMEOUT) for a lock another database session holds, and was rolled back: end that session (look in pg_locks and pg_stat_activity for a long transaction, or one left open), then start again',
  },
  EH_STORE_SCHEMA_AHEAD: {
    status: 503,
    kind: 'store',
    message:
      'The database schema has migrations this version does not know ({names}): a newer version of Eventhook migrated it; run that version or a later one',
  },
  EH_NOT_READY: { status: 503, kind: 'internal', message: 'Eventhook is not ready: {reason}' },
  EH_CONFIG_INVALID: { status: 500, kind: 'validation', message: 'Invalid configuration: {message}' },
  EH_INTERNAL: { status: 500, kind: 'internal', message: 'Internal error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** The part of an HTTP request an issue is in, named as OpenAPI names parameter locations. */
export type RequestPart = 'body' | 'query' | 'path' | 'header';

/**
 * One located problem in an input. `path` is a JSON Pointer (RFC 6901) into the input as sent: `/targets/0/kind`,
 * `""` for the whole of it. `in` names the part of an HTTP request the input is, when it is not the body: services
 * validate what bodies carry, so an issue without `in` is about the body.
 */
export interface FieldIssue {
  readonly in?: RequestPart;
  readonly path: string;
  readonly message: string;
}

/** A property name as one token of a FieldIssue's JSON Pointer path (RFC 6901: `~` as `~0`, `/` as `~1`). */
export function pointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

const PART_LABELS: Record<Exclude<RequestPart, 'body'>, string> = {
  query: 'query parameter',
  path: 'path parameter',
  header: 'header',
};

/**
 * How an issue is named in a message: its pointer in the body (`/targets/0/kind`; `body` for the whole body), or
 * the parameter it is in (`query parameter limit`).
 */
export function issueLabel(issue: FieldIssue): string {
  const part = issue.in ?? 'body';
  if (part === 'body') return issue.path || 'body';
  return `${PART_LABELS[part]} ${issue.path.slice(1)}`.trimEnd();
}

/** Issues as one line: `/url: must be an absolute URL; /timeoutMs: must be integer`. */
export function describeIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${issueLabel(i)}: ${i.message}`).join('; ');
}

export type ErrorParams = Record<string, string | number | boolean | undefined>;

/** The one error type the product raises. `detail` is the filled template; it is safe to show to the caller. */
export class EventhookError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly kind: ErrorKind;
  readonly params: ErrorParams;
  readonly issues: readonly FieldIssue[] | undefined;
  /** Extra response headers (e.g. Retry-After), applied by the HTTP error handler. */
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(
    code: ErrorCode,
    params: ErrorParams = {},
    options: { issues?: readonly FieldIssue[]; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(formatMessage(ERRORS[code].message, params), { cause: options.cause });
    this.name = 'EventhookError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.kind = ERRORS[code].kind;
    this.params = params;
    this.issues = options.issues;
    this.headers = options.headers;
  }
}

export function formatMessage(template: string, params: ErrorParams): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

export function isEventhookError(err: unknown, code?: ErrorCode): err is EventhookError {
  return err instanceof EventhookError && (code === undefined || err.code === code);
}

/** A validation error that names every offending field. */
export function invalid(
  issues: readonly FieldIssue[],
  code: ErrorCode = 'EH_REQUEST_INVALID',
): EventhookError {
  return new EventhookError(code, { message: describeIssues(issues) }, { issues });
}
