// Events published by applications (POST /events): one event, a batch, or CloudEvents (structured, batch or
// binary mode). Committed through the same group committer as webhooks, de-duplicated on the client's event id.
import type { Clock } from '../core/clock.js';
import type { JsonValue } from '../core/envelope.js';
import type { ExactIntegers } from '../core/exact-integers.js';
import { invalid, type FieldIssue } from '../core/errors.js';
import { newId, type SourceId } from '../core/ids.js';
import type { Metrics } from '../observability/metrics.js';
import type { IngestOutcome } from '../store/port.js';
import { nonFiniteNumbers } from './finite-numbers.js';
import { NOMINAL_EVENT_BYTES, type GroupCommitter } from './group-committer.js';

/** One event as an application publishes it, already unpacked from whichever wire format carried it. */
export interface PublishedEvent {
  source?: string;
  type: string;
  subject?: string;
  data?: JsonValue;
  /** The producer's own id: a repeat within the dedup window is answered with the first event's id. */
  id?: string;
  datacontenttype?: string;
  correlationid?: string;
  traceparent?: string;
}

export const MAX_BATCH = 100;
/** The optional string attributes of a published event, with their allowed lengths. */
const STRING_ATTRIBUTES = {
  source: [0, 256],
  subject: [0, 1024],
  id: [1, 256],
  datacontenttype: [0, 256],
  correlationid: [0, 256],
  traceparent: [0, 256],
} as const satisfies Partial<Record<keyof PublishedEvent, readonly [number, number]>>;
const RESERVED_PREFIXES = ['webhook:', 'system:'];
/**
 * Refused here, each event for itself: the stores would refuse the statement (PostgreSQL cannot hold NUL), and with
 * it every other request's event committed in the same group.
 */
const NUL_TEXT = 'must not contain the NUL character (U+0000)';
const DEFAULT_SOURCE = 'app:default';

export class PublishService {
  constructor(
    private readonly committer: GroupCommitter,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly dedupWindowMs: number,
  ) {}

  /**
   * Validates every event first (nothing is stored when one is invalid), then commits them together. `batch`: the
   * events came as an array, so issues are located by index (`/1/type`); `bytes`: the request's size, shared among
   * its events against the ingest backlog limit (0: a nominal size); `exact`: the integers beyond 2^53 of the text the
   * events were parsed from, stored as they arrived.
   */
  async publish(
    org: string,
    events: readonly PublishedEvent[],
    batch = false,
    bytes = 0,
    exact?: ExactIntegers,
  ): Promise<IngestOutcome[]> {
    if (events.length === 0) throw invalid([{ path: '', message: 'no events given' }], 'EH_EVENT_INVALID');
    if (events.length > MAX_BATCH)
      throw invalid([{ path: '', message: `at most ${MAX_BATCH} events per request` }], 'EH_EVENT_INVALID');
    const issues: FieldIssue[] = [];
    // Whatever the wire format, attributes arrive as any JSON; each is checked before any is used.
    const checked = events.map((raw, i) => {
      const at = batch || events.length > 1 ? `/${i}` : '';
      const e: PublishedEvent = { ...raw };
      if (typeof e.type !== 'string' || e.type.length === 0 || e.type.length > 256)
        issues.push({ path: `${at}/type`, message: 'must be a string of 1–256 characters' });
      else if (e.type.includes('\0')) issues.push({ path: `${at}/type`, message: NUL_TEXT });
      for (const [name, [min, max]] of Object.entries(STRING_ATTRIBUTES) as [
        keyof typeof STRING_ATTRIBUTES,
        readonly [number, number],
      ][]) {
        const value: unknown = e[name];
        // JSON's null leaves an attribute out, as its absence does.
        if (value === null) delete e[name];
        else if (
          value !== undefined &&
          (typeof value !== 'string' || value.length < min || value.length > max)
        )
          issues.push({
            path: `${at}/${name}`,
            message: `must be a string of ${min > 0 ? `${min}–${max}` : `at most ${max}`} characters`,
          });
        else if (typeof value === 'string' && value.includes('\0'))
          issues.push({ path: `${at}/${name}`, message: NUL_TEXT });
      }
      issues.push(...nonFiniteNumbers(e.data, `${at}/data`));
      // A source that is not a string is refused above; the default only keeps the list whole.
      const source = typeof e.source === 'string' ? normalizeSource(e.source) : DEFAULT_SOURCE;
      if (source === null)
        issues.push({
          path: `${at}/source`,
          message: `must not start with ${RESERVED_PREFIXES.join(' or ')} (reserved)`,
        });
      return { e, source: source ?? DEFAULT_SOURCE };
    });
    if (issues.length > 0) throw invalid(issues, 'EH_EVENT_INVALID');
    const now = this.clock.now();
    const sources = checked.map((c) => c.source);
    const share = bytes > 0 ? Math.ceil(bytes / checked.length) : NOMINAL_EVENT_BYTES;
    // All the request's events are taken, or none: a batch is never half stored because the store was behind.
    const outcomes = await Promise.all(
      this.committer.submitAll(
        checked.map(({ e }, i) => ({
          event: {
            id: newId('event', now),
            org,
            sourceId: null,
            source: sources[i]!,
            type: e.type,
            subject: e.subject ?? null,
            time: now,
            status: 'pending',
            contentType: e.datacontenttype ?? 'application/json',
            rawBody: null,
            headers: null,
            data: e.data ?? null,
            idempotencyKey: e.id ?? null,
            correlationId: e.correlationid ?? null,
            traceparent: e.traceparent ?? null,
            error: null,
            hopCount: 0,
            ...(exact ? { exactIntegers: exact } : {}),
          },
          ...(e.id !== undefined
            ? {
                dedup: {
                  sourceId: `publish:${org}:${sources[i]}` as SourceId,
                  key: e.id,
                  windowMs: this.dedupWindowMs,
                },
              }
            : {}),
        })),
        checked.map(() => share),
      ),
    );
    outcomes.forEach((o, i) =>
      (o.duplicate ? this.metrics.duplicates : this.metrics.eventsReceived).inc({ org, source: sources[i]! }),
    );
    return outcomes;
  }
}

/** `checkout` → `app:checkout`; `app:…` kept; reserved prefixes → null. */
function normalizeSource(source: string): string | null {
  if (source === '') return DEFAULT_SOURCE;
  if (RESERVED_PREFIXES.some((p) => source.startsWith(p))) return null;
  return source.startsWith('app:') ? source : `app:${source}`;
}
