// The public ingest route `ANY /api/orgs/{org}/eventhook/in/{source}` (SPEC §4). Authenticated by the source's
// verifier only. The body is read here, by hand, so the source's size limit applies while streaming: an upload
// over the limit is cut off, never buffered.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { EventhookError } from '../../core/errors.js';
import type { IngestService } from '../../ingest/ingest-service.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * The answers the document declares (docs/providers.md#acknowledgements). Every body is sent as the text the ingest
 * service made, so these schemas describe it and never serialize it.
 */
const INGEST_RESPONSES = {
  200: {
    description:
      'The event is committed (its id also in the Eventhook-Event-Id header); a redelivery inside the dedup window gets the first event’s id and duplicate: true. A source’s own `response` setting, or its provider’s template, answers instead with its own status, body and content type, and handshakes as their provider requires.',
    content: {
      'application/json': {
        schema: Type.Object({
          eventId: Type.String(),
          duplicate: Type.Boolean(),
        }),
      },
    },
  },
  '2XX': {
    description:
      'A source’s own `response`, a provider’s acknowledgement (Microsoft Graph 202, Discord 204 …) or a handshake’s answer, with the status, body and content type that setting or provider calls for.',
  },
};

/**
 * On every answer of the ingest route, whoever chose its body: a source's `response` is its admin's text and type, a
 * handshake echoes the sender's. A browser made to POST a form there (by any page) must not run it as a page of
 * Eventhook's origin, the console's: the sandbox gives it an opaque origin, with no script and no form to send a
 * typed-in key anywhere. Webhook senders read neither header.
 */
const INGEST_RESPONSE_HEADERS = {
  'content-security-policy': "default-src 'none'; sandbox; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};

export function ingestRoutes(ingest: IngestService, publicUrl: string | undefined) {
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(async (scope) => {
      // Leave the body stream unread: the handler reads it with the source's own limit.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
      scope.addHook('onSend', async (_req, reply) => {
        reply.headers(INGEST_RESPONSE_HEADERS);
      });
      const handler = async (
        req: FastifyRequest<{ Params: { org: string; source: string } }>,
        reply: FastifyReply,
      ) => {
        const result = await ingest.handle({
          org: req.params.org,
          slug: req.params.source,
          method: req.method,
          url: publicRequestUrl(req, publicUrl),
          path: req.url.split('?')[0] ?? req.url,
          query: req.query as Record<string, string | string[]>,
          headers: lowerCaseHeaders(req),
          rawHeaders: req.raw.rawHeaders,
          remoteAddress: req.raw.socket.remoteAddress ?? '',
          forwardedFor: headerValue(req.headers['x-forwarded-for']),
          readBody: (limit) => readBody(req.raw, limit),
        });
        return reply.code(result.status).headers(result.headers).send(result.body);
      };
      for (const url of ['/api/orgs/:org/eventhook/in/:source', '/api/orgs/:org/eventhook/in/:source/*']) {
        scope.route({
          method: [...METHODS],
          url,
          schema: {
            hide: url.endsWith('*'),
            tags: ['ingest'],
            summary: 'Receive a webhook (verified by the source)',
            response: INGEST_RESPONSES,
          },
          handler,
        });
      }
    });
  };
}

/** The URL the provider called, as the provider sees it: the public base when configured, else the request's. */
function publicRequestUrl(req: FastifyRequest, publicUrl: string | undefined): string {
  return `${publicUrl ?? `${req.protocol}://${req.host}`}${req.url}`;
}

function lowerCaseHeaders(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * Reads the body up to `limit` bytes. A declared Content-Length over the limit is refused before reading (and
 * before 100 Continue); a stream that grows past it is abandoned at once. What is left of a refused body, read or
 * not, is the error handler's (src/api/unread-body.ts): the answer closes the connection after a bounded linger.
 */
function readBody(raw: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new EventhookError('EH_REQUEST_TOO_LARGE', { limit });
  const declared = Number(raw.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        raw.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    // The connection ended before the body did (the client went away, or took longer than the request timeout):
    // the client's doing, not a fault to log as one.
    const onError = (err: Error) => {
      cleanup();
      reject(
        new EventhookError(
          'EH_REQUEST_INVALID',
          { message: `The request body was not received in full (${err.message})` },
          { cause: err },
        ),
      );
    };
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('error', onError);
  });
}
