// GET /stream: Server-Sent Events of the org's events (and action updates), optionally filtered by an EventBridge
// pattern over the envelope. Each SSE `id` is the event id, so a client reconnecting with Last-Event-ID first
// receives what it missed (up to the last 200 events).
import type { ServerResponse } from 'node:http';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Bus } from '../../bus/port.js';
import { EventhookError, isEventhookError } from '../../core/errors.js';
import type { EventId } from '../../core/ids.js';
import { toEnvelope, type EventAnnouncement } from '../../events/publisher.js';
import type { EventQueries } from '../../events/event-queries.js';
import { Matcher } from '../../rules/index.js';
import type { EventRecord } from '../../store/records.js';
import { AUTH_PROBLEMS } from '../schemas.js';

const HEARTBEAT_MS = 15_000;
const CATCH_UP = 200;

const StreamQuery = Type.Object({
  pattern: Type.Optional(
    Type.String({ description: 'An EventBridge pattern (JSON) the envelope must match.' }),
  ),
  actions: Type.Optional(
    Type.Boolean({ description: 'Also stream action updates (event: action).', default: false }),
  ),
});

export const streamRoutes: FastifyPluginAsyncTypebox<{ bus: Bus; queries: EventQueries }> = async (
  app,
  { bus, queries },
) => {
  // Open streams never finish by themselves: end them when the server closes, or close() would wait forever.
  const open = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const r of open) r.end();
  });
  app.get(
    '/api/orgs/:org/eventhook/stream',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['events'],
        summary: 'Live events as Server-Sent Events (event: event, data: the envelope plus status)',
        params: Type.Object({ org: Type.String() }),
        querystring: StreamQuery,
        response: {
          200: Type.String({ description: 'text/event-stream' }),
          400: Type.Ref('Problem'),
          ...AUTH_PROBLEMS,
        },
      },
    },
    async (req, reply) => {
      const org = req.params.org;
      // Compiled once per connection (this also validates it), then matched against every event.
      const matcher = req.query.pattern === undefined ? null : queryMatcher(req.query.pattern);
      const visible = (e: EventRecord) => matcher === null || matcher.match(toEnvelope(e)).length > 0;
      const raw = reply.hijack().raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const send = (event: string, id: string | undefined, data: unknown) =>
        raw.write(`event: ${event}\n${id ? `id: ${id}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
      const sendEvent = (e: EventRecord) => {
        if (visible(e)) send('event', e.id, { ...toEnvelope(e), status: e.status });
      };
      raw.write(': connected\n\n');
      open.add(raw);

      // Subscribe before catching up, and de-duplicate, so nothing falls between the two.
      const seen = new Set<string>();
      const queue: Promise<unknown>[] = [];
      const subs = [
        bus.subscribe<EventAnnouncement>(`events.${org}.*`, (m) => {
          queue.push(
            queries.event(org, m.data.id).then(
              ({ event }) => {
                if (!seen.has(event.id)) {
                  seen.add(event.id);
                  sendEvent(event);
                }
              },
              () => {},
            ),
          );
        }),
      ];
      if (req.query.actions) {
        subs.push(
          bus.subscribe<{ id: string }>(`actions.${org}.*`, (m) => {
            queries.action(org, m.data.id).then(
              ({ action }) =>
                send('action', undefined, {
                  id: action.id,
                  eventId: action.eventId,
                  status: action.status,
                  attempts: action.attempts,
                  lastError: action.lastError,
                  targetType: action.targetType,
                  ruleName: action.ruleName,
                }),
              () => {},
            );
          }),
        );
      }
      const lastId = req.headers['last-event-id'];
      if (typeof lastId === 'string' && lastId) {
        const recent = await queries.events(org, {}, { limit: CATCH_UP });
        for (const e of recent.items.filter((x) => x.id > (lastId as EventId)).reverse()) {
          if (!seen.has(e.id)) {
            seen.add(e.id);
            sendEvent(e);
          }
        }
      }
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
      raw.once('close', () => {
        open.delete(raw);
        clearInterval(heartbeat);
        for (const s of subs) s.unsubscribe();
      });
    },
  );
};

/** The `pattern` query parameter compiled; its problems are located at that parameter, the pattern being JSON text. */
function queryMatcher(text: string): Matcher {
  const refuse = (path: string, reason: string): never => {
    throw new EventhookError(
      'EH_PATTERN_INVALID',
      { path, reason },
      {
        issues: [
          { in: 'query', path: '/pattern', message: path === 'pattern' ? reason : `at ${path}: ${reason}` },
        ],
      },
    );
  };
  let pattern: unknown;
  try {
    pattern = JSON.parse(text);
  } catch (err) {
    return refuse('pattern', `not JSON: ${(err as Error).message}`);
  }
  try {
    return Matcher.build([{ id: 'stream', pattern }]);
  } catch (err) {
    if (!isEventhookError(err, 'EH_PATTERN_INVALID')) throw err;
    return refuse(String(err.params.path), String(err.params.reason));
  }
}
