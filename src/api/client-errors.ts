// What Node's HTTP server answers itself, before any route runs: a request not received in full in time (a client
// sending a byte now and then can otherwise hold a connection, and its file descriptor, for ever), headers past
// Node's limit, bytes that are not HTTP. Answered as problem+json like every other error, then the connection closed.
import { maxHeaderSize, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyHttpOptions } from 'fastify';
import { EventhookError } from '../core/errors.js';
import { PROBLEM_CONTENT_TYPE, problemOf } from './problem.js';

/** Fastify's options that bound how long a client may take to send a request; none when `timeoutMs` is 0. */
export function requestTimeoutOptions(
  timeoutMs: number,
): Pick<FastifyHttpOptions<Server>, 'requestTimeout' | 'http'> {
  if (timeoutMs === 0) return {};
  return {
    requestTimeout: timeoutMs,
    http: {
      // Node 20 applies a request timeout to a request's body only when the server is made with it, not when it is
      // set afterwards as Fastify does: a body trickling in was never cut off.
      requestTimeout: timeoutMs,
      // Node checks its connections' deadlines every 30 s by default: a slow client would get up to 30 s more.
      connectionsCheckingInterval: Math.min(5_000, Math.max(250, Math.round(timeoutMs / 4))),
    },
  };
}

/** Why Node refused a request (`eventhook_http_requests_refused_total`'s reason). */
export type RefusalReason = 'timeout' | 'headers_too_large' | 'malformed';

export function clientErrorHandler(
  timeoutMs: number,
  log: FastifyBaseLogger,
  refused: (reason: RefusalReason) => void,
) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    // The client went away: nothing to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [reason, error]: [RefusalReason, EventhookError] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['timeout', new EventhookError('EH_REQUEST_TIMEOUT', { timeoutMs })]
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [
              'headers_too_large',
              new EventhookError('EH_REQUEST_HEADERS_TOO_LARGE', { limit: maxHeaderSize }),
            ]
          : ['malformed', new EventhookError('EH_HTTP_MALFORMED')];
    refused(reason);
    log.info({ code: error.code, reason: err.code, remoteAddress: socket.remoteAddress }, error.message);
    // As Node does: not when the connection's current answer has begun (its route answered before the body ended).
    const answer = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !answer?.headersSent) {
      const problem = problemOf(error);
      const body = JSON.stringify(problem);
      socket.write(
        `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(err);
  };
}
