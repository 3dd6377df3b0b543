// GET /stream: Server-Sent Events of the org's events (and action updates), optionally filtered by an EventBridge
// pattern over the envelope. Each SSE `id` is the event id, so a client reconnecting with Last-Event-ID first
// receives what it missed (up to the last 200 events); a client that stops reading is disconnected, and so is one
// whose API key is revoked or expires.
import type { ServerResponse } from 'node:http';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AccessService } from '../../access/access-service.js';
import { SUBJECTS, type Bus, type KeysRevokedAnnouncement } from '../../bus/port.js';
import { EventhookError, isEventhookError } from '../../core/errors.js';
import { stringifyExact, type ExactIntegers } from '../../core/exact-integers.js';
import type { EventId } from '../../core/ids.js';
import { toEnvelope, type EventAnnouncement } from '../../events/publisher.js';
import type { EventQueries } from '../../events/event-queries.js';
import { Matcher, validateRulePattern } from '../../rules/index.js';
import type { EventRecord } from '../../store/records.js';
import { AUTH_PROBLEMS } from '../schemas.js';

const HEARTBEAT_MS = 15_000;
const CATCH_UP = 200;
/**
 * Bytes written to a connection that its client has not taken yet. A client that falls this far behind is cut off:
 * it reconnects (EventSource does by itself) with Last-Event-ID and catches up, where holding on would keep every
 * event it has not read in this process's memory.
 */
export const STREAM_MAX_BUFFERED = 1024 * 1024;
/** Event ids remembered per connection, to send an event announced while catching up once. */
const SEEN_MAX = 2 * CATCH_UP;

const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

const StreamQuery = Type.Object({
  pattern: Type.Optional(
    Type.String({ description: 'An EventBridge pattern (JSON) the envelope must match.' }),
  ),
  actions: Type.Optional(
    Type.Boolean({ description: 'Also stream action updates (event: action).', default: false }),
  ),
});

export const streamRoutes: FastifyPluginAsyncTypebox<{
  bus: Bus;
  queries: EventQueries;
  access: Pick<AccessService, 'stillValid'>;
}> = async (app, { bus, queries, access }) => {
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
        description:
          'Frames come in the order events were committed; each `id` is the event id, and a client reconnecting ' +
          'with Last-Event-ID first gets what it missed (up to the last 200 events). A client more than 1 MiB ' +
          'behind (not reading) is disconnected, to reconnect and catch up that way. A stream opened with an API ' +
          'key ends when that key is revoked (or its org deleted) and, at the latest at the next 15 s ' +
          'heartbeat, once it expired; reconnecting with it then gets 401.',
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
      // A client that hung up while its request was authenticated is gone already: its 'close' was emitted before
      // the listener below could hear it, so a heartbeat and subscriptions set up now would never be torn down.
      if (raw.destroyed) return;
      // A HEAD answer has no body, so Node sends its headers only when it ends: answered and ended here, or a HEAD
      // (a monitor, a proxy's check) would wait for ever on a stream that never ends.
      if (req.method === 'HEAD') {
        raw.writeHead(200, STREAM_HEADERS).end();
        return;
      }
      raw.writeHead(200, STREAM_HEADERS);
      const send = (event: string, id: string | undefined, data: unknown, exact?: ExactIntegers) => {
        if (raw.destroyed) return;
        raw.write(`event: ${event}\n${id ? `id: ${id}\n` : ''}data: ${stringifyExact(data, exact)}\n\n`);
        if (raw.writableLength > STREAM_MAX_BUFFERED) {
          req.log.warn(
            { org, buffered: raw.writableLength },
            'live stream client fell behind; connection closed (it may reconnect with Last-Event-ID)',
          );
          raw.destroy();
        }
      };
      const seen = new Set<string>();
      /** Whether the event is new to this connection; remembers the last SEEN_MAX only. */
      const firstTime = (id: string) => {
        if (seen.has(id)) return false;
        seen.add(id);
        if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value!);
        return true;
      };
      const sendEvent = (e: EventRecord) => {
        if (firstTime(e.id) && visible(e))
          send('event', e.id, { ...toEnvelope(e), status: e.status }, e.exactIntegers);
      };
      // Frames go out in the order of their announcements, while the reads behind them run side by side. A read
      // that fails (the event or action is gone meanwhile: retention, a deleted org) sends nothing.
      let sent: Promise<void> = Promise.resolve();
      const inOrder = <T>(read: Promise<T>, emit: (value: T) => void) => {
        const ready = read.then(
          (value) => () => emit(value),
          () => undefined,
        );
        sent = sent.then(async () => (await ready)?.()).catch(() => {});
      };
      raw.write(': connected\n\n');
      open.add(raw);

      // Set up before the first wait: a client gone (or cut off) while catching up still unsubscribes.
      const subs: Array<{ unsubscribe(): void }> = [];
      // A stream outlives the check of its key at connect: it ends when that key is revoked (announced at once,
      // to every process the bus reaches) or found no longer valid at a heartbeat (expired; revoked where the
      // announcement did not reach), so that a leaked key revoked stops reading the org's events.
      const principal = req.principal!;
      const endRevoked = () => {
        if (raw.destroyed) return;
        raw.end(': the API key is no longer valid; reconnecting is refused\n\n');
      };
      const heartbeat = setInterval(() => {
        raw.write(': keep-alive\n\n');
        access.stillValid(principal).then(
          (valid) => valid || endRevoked(),
          (err: unknown) => req.log.warn({ err, org }, 'live stream: could not check its API key; kept open'),
        );
      }, HEARTBEAT_MS);
      raw.once('close', () => {
        open.delete(raw);
        clearInterval(heartbeat);
        for (const s of subs) s.unsubscribe();
      });

      if (principal.kind === 'key') {
        const id = principal.key.id;
        subs.push(
          bus.subscribe<KeysRevokedAnnouncement>(SUBJECTS.keysRevoked(org), ({ data }) => {
            if (data.ids === null || data.ids.includes(id)) endRevoked();
          }),
        );
      }
      // Subscribe before catching up, and de-duplicate, so nothing falls between the two.
      subs.push(
        bus.subscribe<EventAnnouncement>(`events.${org}.*`, (m) =>
          inOrder(queries.event(org, m.data.id), ({ event }) => sendEvent(event)),
        ),
      );
      if (req.query.actions) {
        subs.push(
          bus.subscribe<{ id: string }>(`actions.${org}.*`, (m) =>
            inOrder(queries.action(org, m.data.id), ({ action }) =>
              send('action', undefined, {
                id: action.id,
                eventId: action.eventId,
                status: action.status,
                attemptCount: action.attempts,
                lastError: action.lastError,
                targetType: action.targetType,
                ruleName: action.ruleName,
              }),
            ),
          ),
        );
      }
      const lastId = req.headers['last-event-id'];
      if (typeof lastId === 'string' && lastId) {
        const recent = await queries.events(org, {}, { limit: CATCH_UP });
        for (const e of recent.items.filter((x) => x.id > (lastId as EventId)).reverse()) sendEvent(e);
      }
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
    // Envelopes are what the stream matches, as rules do: a field none has ({"dat": …}) would show nothing for ever.
    validateRulePattern(pattern);
    return Matcher.build([{ id: 'stream', pattern }]);
  } catch (err) {
    if (!isEventhookError(err, 'EH_PATTERN_INVALID')) throw err;
    return refuse(String(err.params.path), String(err.params.reason));
  }
}
