// Errors become RFC 9457 problem+json in exactly one place (STYLE §22): expected errors keep their precise,
// field-located message; anything unexpected is logged in full and answered with a bare 500.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, EventhookError, invalid, type ErrorCode, type FieldIssue } from '../core/errors.js';
import { issuesOf, REQUEST_PARTS, type SchemaError } from './validation-issues.js';
import { isStoreOutage } from '../store/store-outage.js';
import { RepeatedFailureLog, type RecoveryLog } from '../observability/repeated-failure-log.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  errors?: FieldIssue[];
}

export function problemOf(err: EventhookError, instance?: string): Problem {
  return {
    type: `urn:eventhook:error:${err.code}`,
    title: titleOf(err.code),
    status: err.status,
    detail: err.message,
    code: err.code,
    ...(instance ? { instance } : {}),
    ...(err.issues ? { errors: [...err.issues] } : {}),
  };
}

export function sendProblem(reply: FastifyReply, err: EventhookError): FastifyReply {
  if (err.headers) reply.headers(err.headers);
  return reply
    .code(err.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problemOf(err, reply.request.url)));
}

/**
 * The log of requests refused because the store is out (503 EH_STORE_TIMEOUT or EH_STORE_UNAVAILABLE), one per
 * server: while the database is out every request fails alike, so the first is logged (which statement, the driver's
 * error), then a warning a minute with how many failed, and an info line once a request succeeds again.
 */
export function requestOutageLog(log: RecoveryLog, now?: () => number): RepeatedFailureLog {
  return new RepeatedFailureLog(
    log,
    (err) =>
      err instanceof EventhookError && err.code === 'EH_STORE_TIMEOUT'
        ? 'a database query timed out'
        : 'the database is unavailable',
    'requests succeed again',
    now,
  );
}

/** Fastify's error handler: maps every error to a problem. */
export function handleError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
  outages: RepeatedFailureLog,
): FastifyReply {
  return sendProblem(reply, toEventhookError(error, request, outages));
}

export function toEventhookError(
  error: unknown,
  request: FastifyRequest,
  outages: RepeatedFailureLog,
): EventhookError {
  if (error instanceof EventhookError) {
    // Expected, so the caller gets no 500; but an operator must learn which statement ran long or which connection
    // failed, and why (the driver's error, the cause), under which request: logged when such failures begin, then
    // once a minute with their count, not once per request.
    if (isStoreOutage(error)) {
      outages.failed(error, { reqId: request.id, method: request.method, url: request.url });
    }
    return error;
  }
  const fe = error as FastifyError;
  if (fe.validation) {
    const part = REQUEST_PARTS[fe.validationContext ?? 'body'] ?? 'body';
    // A route that needs a body was sent none (or an empty one): one issue, rather than "body: must be object".
    if (part === 'body' && request.body === undefined) return invalid([{ path: '', message: 'is required' }]);
    return invalid(issuesOf(fe.validation as SchemaError[], part));
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new EventhookError('EH_REQUEST_TOO_LARGE', { limit: request.routeOptions.bodyLimit ?? 'the' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new EventhookError('EH_UNSUPPORTED_MEDIA_TYPE', {
        contentType: request.headers['content-type'] ?? '(none)',
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new EventhookError('EH_REQUEST_MALFORMED', { reason: 'the body is empty' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new EventhookError('EH_REQUEST_MALFORMED', { reason: fe.message });
  }
  if (error instanceof SyntaxError && fe.statusCode === 400) {
    return new EventhookError('EH_REQUEST_MALFORMED', { reason: error.message });
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new EventhookError('EH_REQUEST_INVALID', { message: fe.message });
  }
  request.log.error({ err: error }, 'unexpected error');
  return new EventhookError('EH_INTERNAL', {}, { cause: error });
}

function titleOf(code: ErrorCode): string {
  const status = ERRORS[code].status;
  return STATUS_TITLES[status] ?? 'Error';
}

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
