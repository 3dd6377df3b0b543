// POST /events: applications publish events — JSON (one or a batch), CloudEvents structured or batch mode
// (application/cloudevents+json, application/cloudevents-batch+json) or CloudEvents binary mode (ce-* headers).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { JsonValue } from '../../core/envelope.js';
import { EventhookError, invalid } from '../../core/errors.js';
import { eventFromBinary, eventFromObject } from '../../ingest/cloud-events.js';
import type { PublishedEvent, PublishService } from '../../ingest/publish-service.js';
import { AUTH_PROBLEMS } from '../schemas.js';

const Outcome = Type.Object({ eventId: Type.String(), duplicate: Type.Boolean() });
const PublishOut = Type.Union([Outcome, Type.Object({ items: Type.Array(Outcome) })]);

const CE_JSON = ['application/cloudevents+json', 'application/cloudevents-batch+json'];

export const publishRoutes: FastifyPluginAsyncTypebox<{ publisher: PublishService }> = async (
  app,
  { publisher },
) => {
  app.addContentTypeParser(CE_JSON, { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      done(new EventhookError('EH_REQUEST_MALFORMED', { reason: (err as Error).message }), undefined);
    }
  });
  // Binary mode: any other content type is the event's data, its attributes in ce-* headers.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.post(
    '/api/orgs/:org/eventhook/events',
    {
      config: { permission: 'publish' },
      schema: {
        tags: ['events'],
        summary: 'Publish one event or a batch (JSON or CloudEvents); committed before the answer',
        params: Type.Object({ org: Type.String() }),
        body: Type.Unknown({
          description:
            'An event {type, source?, subject?, data?, id?, correlationid?, traceparent?}, an array of up to 100, or CloudEvents in structured, batch or binary mode.',
        }),
        response: { 200: PublishOut, 400: Type.Ref('Problem'), 503: Type.Ref('Problem'), ...AUTH_PROBLEMS },
      },
    },
    async (req) => {
      const { events, batch } = unpack(req);
      const outcomes = await publisher.publish(
        req.params.org,
        events,
        batch,
        Number(req.headers['content-length'] ?? 0) || 0,
      );
      return batch ? { items: outcomes } : outcomes[0]!;
    },
  );
};

function unpack(req: FastifyRequest): { events: PublishedEvent[]; batch: boolean } {
  const ce = req.headers['ce-specversion'];
  if (ce !== undefined) return { events: [binaryMode(req)], batch: false };
  const body = req.body;
  if (Buffer.isBuffer(body)) {
    throw new EventhookError('EH_UNSUPPORTED_MEDIA_TYPE', {
      contentType: `${req.headers['content-type']} (without ce-* headers)`,
    });
  }
  // An application's HTTP traceparent header is the parent of each event that does not carry its own.
  const header = req.headers.traceparent;
  const traced = (e: PublishedEvent): PublishedEvent =>
    e.traceparent === undefined && typeof header === 'string' ? { ...e, traceparent: header } : e;
  if (Array.isArray(body)) return { events: body.map((e) => traced(eventFromObject(e))), batch: true };
  if (body !== null && typeof body === 'object')
    return { events: [traced(eventFromObject(body))], batch: false };
  throw invalid([{ path: '', message: 'must be an event object or an array of events' }], 'EH_EVENT_INVALID');
}

function binaryMode(req: FastifyRequest): PublishedEvent {
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  return eventFromBinary(header, req.body as Buffer | JsonValue);
}
