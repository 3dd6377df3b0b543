// How management request bodies are read before validation. An empty body sent as JSON (`curl -X DELETE -H
// 'Content-Type: application/json' …`, a common habit) is no body, not malformed JSON. A route whose body is
// optional declares it so in its schema, `body: Type.Optional(X)`: without a body it is validated, and handled,
// as `{}` (defaults included), and the OpenAPI document marks its request body as not required. A route that needs
// a body still answers 400 without one ("body: is required"). A body with a `__proto__` or `constructor.prototype`
// key, valid JSON though it is, is refused by name (a merge of such an object could change prototypes); only event
// data, in POST /events, may carry them (publishJsonParser), as webhooks' bodies may.
import { KindGuard, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EventhookError } from '../core/errors.js';
import { exactIntegersIn, type ExactIntegers } from '../core/exact-integers.js';
import { decodeUtf8 } from '../ingest/text-decoding.js';

/** Rewrites the generated OpenAPI document (in place) so that optional bodies are not marked required. */
export type OpenApiTransform = <Doc extends object>(doc: Doc) => Doc;

type Operations = Record<string, { requestBody?: { required?: boolean } } | undefined>;

/** Installs both rules on `app` (the root, so that every plugin inherits them); returns the OpenAPI transform. */
export function installBodyReading(app: FastifyInstance): OpenApiTransform {
  // Management bodies are JSON only. Fastify's own text/plain parser handed a route a string, refused as "body: must
  // be object"; without it such a body (fetch's default for a string) is a 415 naming its type, as XML is. Publish
  // and ingest bring their own parsers in their scopes.
  app.removeContentTypeParser('text/plain');
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, undefined);
    parseJson(req, body as string, (err, value) => {
      if (err && isJson(body as string)) {
        // Valid JSON refused by Fastify's prototype-poisoning guard: say so, rather than "not valid JSON".
        return done(
          new EventhookError('EH_REQUEST_INVALID', {
            message:
              'The request body has a "__proto__" key or a "constructor" key holding "prototype", which only ' +
              "an event's data may carry (POST /events)",
          }),
          undefined,
        );
      }
      done(err, value);
    });
  });

  const optional: { method: string; path: string }[] = [];
  app.addHook('onRoute', (route) => {
    const body = route.schema?.body as TSchema | undefined;
    if (body === undefined || !KindGuard.IsOptional(body)) return;
    route.preValidation = [...[route.preValidation ?? []].flat(), noBodyAsEmpty];
    for (const method of [route.method].flat())
      optional.push({ method: method.toLowerCase(), path: route.url.replace(/:(\w+)/g, '{$1}') });
  });

  return (doc) => {
    const paths = (doc as { paths?: Record<string, Operations | undefined> }).paths;
    for (const { method, path } of optional) {
      const body = paths?.[path]?.[method]?.requestBody;
      if (body) body.required = false;
    }
    return doc;
  };
}

/**
 * POST /events' JSON parser (for its own scope): event data is the application's, so `__proto__` and
 * `constructor.prototype` keys are kept as the own properties JSON.parse makes them, as in a webhook's body; they reach
 * no merge that follows them (the envelope is built by spreads, which define own properties, and stored as JSON).
 */
export function installPublishJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('ignore', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const text = publishedText(body as Buffer);
    if (text instanceof EventhookError) return done(text, undefined);
    if (text === '') return done(null, undefined);
    keepExactIntegersOf(req, text);
    parseJson(req, text, done);
  });
}

/**
 * A published JSON body's text, or the error that refuses it: bytes that are not UTF-8 would otherwise become U+FFFD
 * in the event's data, unlike a webhook's body, which is refused for them (EH_INGEST_MALFORMED).
 */
export function publishedText(body: Buffer): string | EventhookError {
  return (
    decodeUtf8(body) ?? new EventhookError('EH_REQUEST_MALFORMED', { reason: 'the body is not valid UTF-8' })
  );
}

const exactIntegersOfRequest = new WeakMap<FastifyRequest, ExactIntegers>();

/** Notes the integers beyond 2^53 of a published body's JSON text, for its events' data (src/core/exact-integers.ts). */
export function keepExactIntegersOf(req: FastifyRequest, text: string): void {
  const exact = exactIntegersIn(text);
  if (exact) exactIntegersOfRequest.set(req, exact);
}

/** What keepExactIntegersOf noted for this request. */
export function exactIntegersOf(req: FastifyRequest): ExactIntegers | undefined {
  return exactIntegersOfRequest.get(req);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

async function noBodyAsEmpty(req: FastifyRequest): Promise<void> {
  if (req.body === undefined) req.body = {};
}
