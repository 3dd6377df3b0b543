// POST /events: applications publish events — JSON (one or a batch), CloudEvents structured or batch mode
// (application/cloudevents+json, application/cloudevents-batch+json) or CloudEvents binary mode (ce-* headers).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { JsonValue } from '../../core/envelope.js';
import { EventhookError, invalid } from '../../core/errors.js';
import { ceHeaderValue, eventFromBinary, eventFromObject } from '../../ingest/cloud-events.js';
import type { PublishedEvent, PublishService } from '../../ingest/publish-service.js';
import { CloudEventIn, PublishedEventIn } from '../../ingest/published-event-schema.js';
import {
  exactIntegersOf,
  installPublishJsonParser,
  keepExactIntegersOf,
  publishedText,
} from '../request-body.js';
import { AUTH_PROBLEMS } from '../schemas.js';

const Outcome = Type.Object({ eventId: Type.String(), duplicate: Type.Boolean() });
const PublishOut = Type.Union([Outcome, Type.Object({ items: Type.Array(Outcome) })]);

const CE_JSON = ['application/cloudevents+json', 'application/cloudevents-batch+json'];

/** The body by content type; binary mode (any content type, ce-* headers) is read as the JSON form's one event. */
const PublishIn = {
  content: {
    'application/json': {
      schema: Type.Union([
        PublishedEventIn,
        Type.Array(PublishedEventIn, {
          description: 'A batch of up to 100 events, stored together or not at all.',
        }),
      ]),
    },
    'application/cloudevents+json': { schema: CloudEventIn },
    'application/cloudevents-batch+json': {
      schema: Type.Array(CloudEventIn, {
        description: 'Up to 100 CloudEvents, stored together or not at all.',
      }),
    },
  },
};

export const publishRoutes: FastifyPluginAsyncTypebox<{ publisher: PublishService }> = async (
  app,
  { publisher },
) => {
  installPublishJsonParser(app);
  app.addContentTypeParser(CE_JSON, { parseAs: 'buffer' }, (req, body, done) => {
    const text = publishedText(body as Buffer);
    if (text instanceof EventhookError) return done(text, undefined);
    try {
      const parsed: unknown = JSON.parse(text);
      keepExactIntegersOf(req, text);
      done(null, parsed);
    } catch (err) {
      done(new EventhookError('EH_REQUEST_MALFORMED', { reason: (err as Error).message }), undefined);
    }
  });
  // Binary mode: any other content type is the event's data, its attributes in ce-* headers. text/plain too, as bytes:
  // Fastify's own parser would decode them as UTF-8 whatever the charset, and a bad byte as U+FFFD.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.post(
    '/api/orgs/:org/eventhook/events',
    {
      config: { permission: 'publish' },
      schema: {
        tags: ['events'],
        summary: 'Publish one event or a batch (JSON or CloudEvents); committed before the answer',
        description:
          'The body is one event or an array of up to 100 (application/json), or CloudEvents in structured or ' +
          'batch mode. In CloudEvents binary mode the body, of any content type, is the data of one event whose ' +
          'attributes are ce-* headers (ce-specversion, ce-type, ce-source, ce-id, ce-subject, ce-correlationid).',
        params: Type.Object({ org: Type.String() }),
        body: PublishIn,
        response: { 200: PublishOut, 400: Type.Ref('Problem'), 503: Type.Ref('Problem'), ...AUTH_PROBLEMS },
      },
      // Binary mode, before validation: its attributes become the JSON form's one event (the body its data), so the
      // schema of its content type (application/json, often) judges the event rather than the data.
      preValidation: async (req) => {
        if (req.headers['ce-specversion'] === undefined) return;
        if (Buffer.isBuffer(req.body)) keepExactIntegersOf(req, req.body.toString('utf8'));
        req.body = binaryMode(req);
      },
    },
    async (req) => {
      const { events, batch } = unpack(req);
      const outcomes = await publisher.publish(
        req.params.org,
        events,
        batch,
        Number(req.headers['content-length'] ?? 0) || 0,
        exactIntegersOf(req),
      );
      return batch ? { items: outcomes } : outcomes[0]!;
    },
  );
};

function unpack(req: FastifyRequest): { events: PublishedEvent[]; batch: boolean } {
  const body = req.body;
  if (req.headers['ce-specversion'] !== undefined) return { events: [body as PublishedEvent], batch: false };
  if (body === undefined) throw invalid([{ path: '', message: 'is required' }], 'EH_EVENT_INVALID');
  // Bytes are events only in binary mode.
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    throw new EventhookError('EH_UNSUPPORTED_MEDIA_TYPE', {
      contentType: `${req.headers['content-type']} (without ce-* headers)`,
    });
  }
  // An application's HTTP traceparent header is the parent of each event that does not carry its own.
  const header = req.headers.traceparent;
  const traced = (e: PublishedEvent): PublishedEvent =>
    e.traceparent === undefined && typeof header === 'string' ? { ...e, traceparent: header } : e;
  // The body's schema (by content type) made it an event or an array of events.
  if (Array.isArray(body)) return { events: body.map((e) => traced(eventFromObject(e))), batch: true };
  return { events: [traced(eventFromObject(body))], batch: false };
}

function binaryMode(req: FastifyRequest): PublishedEvent {
  const header = (name: string) => {
    const v = req.headers[name];
    const value = Array.isArray(v) ? v[0] : v;
    if (value === undefined || !name.startsWith('ce-')) return value;
    const decoded = ceHeaderValue(value);
    if (decoded === undefined)
      throw invalid(
        [{ path: `/${name.slice(3)}`, message: `is not UTF-8 once percent-decoded (${name} header)` }],
        'EH_EVENT_INVALID',
      );
    return decoded;
  };
  return eventFromBinary(header, req.body as Buffer | JsonValue);
}
