// Optimistic concurrency over HTTP (RFC 9110 §13.1.1): a versioned resource (source, rule, endpoint, grant) is
// answered with its version as a strong ETag, and a PATCH or DELETE that sends that tag back in If-Match is refused
// with 412 when the resource has changed since. Without If-Match a change applies to whatever is stored, as before.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest, preSerializationAsyncHookHandler } from 'fastify';
import { EventhookError } from '../core/errors.js';
import type { OpenApiTransform } from './request-body.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers one versioned resource (with its `updatedAt`): the answer carries its ETag. */
    versioned?: boolean;
  }
}

/** The request headers a conditional change reads, for the OpenAPI document. */
export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      description:
        'The ETag of the version this change was made from (a GET, create or change answer gives it). The change is refused with 412 EH_VERSION_MISMATCH if the resource has changed since. `*` or no header: no condition.',
    }),
  ),
});

/** The version as a strong entity tag: the resource's updatedAt in epoch milliseconds, quoted. */
export function etagOf(updatedAt: number): string {
  return `"${updatedAt}"`;
}

/** The version If-Match names, or undefined when there is no condition (no header, or `*`: the resource exists). */
export function expectedVersion(request: FastifyRequest): number | undefined {
  const raw = request.headers['if-match'];
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (value === '*') return undefined;
  // A weak tag (W/"…") or a list would need a comparison this API has no use for: say so rather than guess.
  const tag = /^"(\d{1,15})"$/.exec(value);
  if (!tag) throw new EventhookError('EH_IF_MATCH_INVALID', { value: JSON.stringify(raw.slice(0, 100)) });
  return Number(tag[1]);
}

const tagVersion: preSerializationAsyncHookHandler = async (_request, reply, payload) => {
  if (reply.statusCode >= 300) return payload;
  const updatedAt = (payload as { updatedAt?: unknown } | null)?.updatedAt;
  if (typeof updatedAt === 'string') reply.header('etag', etagOf(Date.parse(updatedAt)));
  return payload;
};

type Responses = Record<string, { headers?: Record<string, unknown> } | undefined>;

/**
 * Sets the ETag of every 2xx answer of a `versioned` route from the answered resource's `updatedAt` (installed on the
 * root, so that every plugin's routes get it; a hook of those routes only, so that ingest pays nothing for it);
 * returns the OpenAPI transform that declares that header on those answers.
 */
export function installVersionTags(app: FastifyInstance): OpenApiTransform {
  const versioned: { method: string; path: string }[] = [];
  app.addHook('onRoute', (route) => {
    if (!route.config?.versioned) return;
    route.preSerialization = [...[route.preSerialization ?? []].flat(), tagVersion];
    for (const method of [route.method].flat())
      versioned.push({ method: method.toLowerCase(), path: route.url.replace(/:(\w+)/g, '{$1}') });
  });
  return (doc) => {
    const paths = (doc as { paths?: Record<string, Record<string, { responses?: Responses }>> }).paths;
    for (const { method, path } of versioned) {
      for (const [status, response] of Object.entries(paths?.[path]?.[method]?.responses ?? {})) {
        if (!response || !/^2\d\d$/.test(status)) continue;
        response.headers = {
          ...response.headers,
          ETag: {
            description: 'The version answered, for If-Match: its updatedAt in epoch milliseconds, quoted.',
            schema: { type: 'string', pattern: '^"[0-9]+"$' },
          },
        };
      }
    }
    return doc;
  };
}
