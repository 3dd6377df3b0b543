// The ingest pipeline (SPEC §4): resolve the source, enforce limits, read the body, answer handshakes, verify on
// the raw bytes, parse, extract type/subject/idempotency key, commit durably — and only then acknowledge.
import type { Clock } from '../core/clock.js';
import { sanitizeHeaders, storableText, type JsonValue } from '../core/envelope.js';
import { EventhookError } from '../core/errors.js';
import { newId, type EventId } from '../core/ids.js';
import type { Metrics } from '../observability/metrics.js';
import type { IngestOutcome } from '../store/port.js';
import type { NewEvent } from '../store/records.js';
import { freshnessUnchecked } from './verifiers/index.js';
import type { KeySetFetch } from './verifiers/types.js';
import { storedBodyWithout } from './body-credential.js';
import { extractEventType, extractIdempotencyKey, extractSubject } from './extract.js';
import type { GroupCommitter } from './group-committer.js';
import type { InboundRequest } from './inbound-request.js';
import { isAllowed } from './ip-allow-list.js';
import type { LiveSource, LiveSources } from './live-sources.js';
import { parseBody, type ParsedBody } from './parse-body.js';
import type { AckResponse } from './providers/index.js';
import type { SourceRateLimiter } from './rate-limiter.js';
import { checkHeaderLimits } from './request-limits.js';

/** What the HTTP route hands in: the request without its body, and a reader that enforces a byte limit. */
export interface IngestRequest extends Omit<InboundRequest, 'rawBody'> {
  org: string;
  slug: string;
  rawHeaders: readonly string[];
  forwardedFor: string | undefined;
  /** Reads the whole body; rejects with EH_REQUEST_TOO_LARGE as soon as more than `limit` bytes arrive. */
  readBody(limit: number): Promise<Buffer>;
}

export interface IngestReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface IngestOptions {
  bodyLimit: number;
  maxJsonDepth: number;
  dedupWindowMs: number;
  trustedProxies: readonly string[];
  /** Fetches JWT key sets under the outbound address policy (see VerifyContext). */
  keySetFetch?: KeySetFetch;
}

export interface SourceTestResult {
  verified: boolean;
  verifierType: string;
  reason?: string;
  detail?: string;
  eventType?: string;
  subject?: string | null;
  idempotencyKey?: string | null;
  parseError?: string;
}

export interface IngestLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const EVENT_METHODS = new Set(['POST', 'PUT']);

/** Metric reason labels of refusals that happen before verification (verification has its own reasons). */
const LIMIT_REASONS: Partial<Record<string, string>> = {
  EH_INGEST_HEADERS_TOO_LARGE: 'headers_too_large',
  EH_INGEST_FORBIDDEN: 'ip_not_allowed',
  EH_INGEST_RATE_LIMITED: 'rate_limited',
  EH_METHOD_NOT_ALLOWED: 'method_not_allowed',
  EH_REQUEST_TOO_LARGE: 'too_large',
  EH_INGEST_OVERLOADED: 'overloaded',
};

/** The default acknowledgement: `200 {eventId, duplicate}`. The id is also a header, as on custom answers. */
function defaultAck(outcome: IngestOutcome): IngestReply {
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'eventhook-event-id': outcome.eventId },
    body: `{"eventId":"${outcome.eventId}","duplicate":${outcome.duplicate}}`,
  };
}

/** A source's (or provider's) own acknowledgement; the event id travels in a header. */
function customAck(r: AckResponse, outcome: IngestOutcome): IngestReply {
  const status = r.status ?? 200;
  const body = status === 204 ? '' : (r.body ?? '').replaceAll('{{eventId}}', outcome.eventId);
  const headers: Record<string, string> = { 'eventhook-event-id': outcome.eventId };
  if (body !== '')
    headers['content-type'] = r.contentType ?? (looksLikeJson(body) ? 'application/json' : TEXT);
  return { status, headers, body };
}

const TEXT = 'text/plain; charset=utf-8';

function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export class IngestService {
  constructor(
    private readonly sources: LiveSources,
    private readonly limiter: SourceRateLimiter,
    private readonly committer: GroupCommitter,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly options: IngestOptions,
    private readonly log: IngestLog,
  ) {}

  async handle(req: IngestRequest): Promise<IngestReply> {
    const source = await this.sources.get(req.org, req.slug);
    // Unknown org, unknown source and disabled source get the same 404 (SPEC §4), so a disabled source cannot be told
    // from one that never was. An enabled one answers a bad signature with 401, so a slug's existence shows: slugs
    // name sources, they are not secrets, and nothing is accepted without the source's verifier.
    if (!source) throw new EventhookError('EH_SOURCE_NOT_FOUND', { source: req.slug });
    const labels = { org: req.org, source: req.slug };
    try {
      checkHeaderLimits(req.rawHeaders);
      this.checkAddress(source, req);
      this.checkRate(source);
      if (!EVENT_METHODS.has(req.method) && req.method !== 'GET') {
        throw new EventhookError('EH_METHOD_NOT_ALLOWED', { method: req.method, url: req.path });
      }
    } catch (err) {
      this.reject(labels, err);
      throw err;
    }
    const limit = source.settings.bodyLimit ?? this.options.bodyLimit;
    const rawBody = await req.readBody(limit).catch((err: unknown) => {
      this.reject(labels, err);
      throw err;
    });
    const inbound: InboundRequest = { ...req, rawBody };
    const now = this.clock.now();
    const ctx = {
      now,
      secrets: this.sources.secrets(source, now),
      options: source.settings.options ?? {},
      ...(this.options.keySetFetch ? { keySetFetch: this.options.keySetFetch } : {}),
    };

    for (const handshake of source.handshakes.before) {
      const answer = handshake.respond(inbound, undefined, ctx);
      if (answer) return answer;
    }
    if (!EVENT_METHODS.has(req.method)) {
      // A GET no handshake answered: refused as any other method, and counted as such.
      const err = new EventhookError('EH_METHOD_NOT_ALLOWED', { method: req.method, url: req.path });
      this.reject(labels, err);
      throw err;
    }

    const verdict = await source.verifier.verify(inbound, ctx);
    if (!verdict.ok) {
      this.metrics.webhooksRejected.inc({ ...labels, reason: verdict.reason });
      // A misconfigured source (no usable secret, e.g. after a master key change) is the operator's to fix.
      const level = verdict.reason === 'misconfigured' ? 'warn' : 'info';
      this.log[level]({ ...labels, reason: verdict.reason, detail: verdict.detail }, 'webhook rejected');
      if (source.settings.storeRejected)
        await this.storeRejected(source, inbound, `${verdict.reason}: ${verdict.detail}`);
      // The sender learns only that verification failed; the reason is in the logs and the metrics.
      throw new EventhookError('EH_INGEST_UNAUTHORIZED');
    }
    this.metrics.webhooksVerified.inc({ ...labels, verifier: source.verifierConfig.type });

    let data: JsonValue | undefined;
    let bodyText: string | undefined;
    try {
      ({ data, text: bodyText } = this.parse(source, inbound));
    } catch (err) {
      if (!(err instanceof EventhookError)) throw err;
      const eventId = await this.commitFailed(source, inbound, err.message);
      this.metrics.webhooksRejected.inc({ ...labels, reason: 'malformed' });
      throw new EventhookError(err.code, err.params, {
        issues: [{ path: '/body', message: `${err.message} (stored as ${eventId})` }],
      });
    }

    for (const handshake of source.handshakes.after) {
      const answer = handshake.respond(inbound, data, ctx);
      if (answer) return answer;
    }

    if (source.objectBodiesOnly && !isJsonObjectText(rawBody)) {
      // Signed, but by the source's own handshake oracle for all we know: refused like a bad signature.
      this.metrics.webhooksRejected.inc({ ...labels, reason: 'not_an_object' });
      this.log.info({ ...labels, reason: 'not_an_object' }, 'webhook rejected');
      throw new EventhookError('EH_INGEST_UNAUTHORIZED');
    }

    // Read from the body, so they may hold a NUL: stored (and their keys compared) with it as U+FFFD.
    const type = storableText(
      extractEventType(inbound, data, { provider: source.provider, eventType: source.settings.eventType }),
    );
    const subject = storableText(extractSubject(inbound, data, { provider: source.provider })) ?? null;
    const keyPaths = source.settings.idempotencyKeys ?? source.provider?.idempotencyKeys ?? [];
    const key = storableText(extractIdempotencyKey(inbound, data, keyPaths)) ?? null;
    const event = this.newEvent(source, inbound, now, {
      type,
      subject,
      data: data ?? null,
      bodyText,
      key,
      status: 'pending',
    });
    const windowMs = (source.settings.dedupWindowSeconds ?? 0) * 1000 || this.options.dedupWindowMs;
    const sourceId = source.record.id;
    const replay = source.provider?.replayKey
      ? storableText(extractIdempotencyKey(inbound, data, [source.provider.replayKey]))
      : undefined;
    let submitted: Promise<IngestOutcome>;
    try {
      submitted = this.committer.submit({
        event,
        ...(key !== null ? { dedup: { sourceId, key, windowMs } } : {}),
        ...(replay !== undefined
          ? { replay: { sourceId, key: `replay:${replay}`, windowMs: replayWindowMs(source, windowMs) } }
          : {}),
      });
    } catch (err) {
      // The store is behind: the sender is asked to come back (503, Retry-After) before this takes more memory.
      this.reject(labels, err);
      throw err;
    }
    const outcome = await submitted;
    if (outcome.replayed) {
      this.metrics.webhooksRejected.inc({ ...labels, reason: 'replayed' });
      this.log.info({ ...labels, reason: 'replayed' }, 'webhook rejected');
      if (source.settings.storeRejected) await this.storeRejected(source, inbound, 'replayed');
      throw new EventhookError('EH_INGEST_UNAUTHORIZED');
    }
    if (outcome.duplicate) this.metrics.duplicates.inc(labels);
    else this.metrics.eventsReceived.inc(labels);
    const custom = source.settings.response ?? source.provider?.response?.(inbound, data);
    return custom ? customAck(custom, outcome) : defaultAck(outcome);
  }

  /** Counts a request refused before verification, under a short reason label. */
  private reject(labels: { org: string; source: string }, err: unknown): void {
    const code = err instanceof EventhookError ? err.code : undefined;
    const reason = (code && LIMIT_REASONS[code]) ?? 'error';
    this.metrics.webhooksRejected.inc({ ...labels, reason });
  }

  /**
   * POST /sources/{source}/test: runs a sample request through verification, parsing and extraction without
   * storing anything, and says why it would be rejected. Unlike ingest, it names the reason.
   */
  async test(
    org: string,
    slug: string,
    sample: Omit<InboundRequest, 'remoteAddress'>,
  ): Promise<SourceTestResult> {
    const source = await this.sources.get(org, slug);
    if (!source) throw new EventhookError('EH_SOURCE_NOT_FOUND', { source: slug });
    const inbound: InboundRequest = { ...sample, remoteAddress: '' };
    const now = this.clock.now();
    const ctx = {
      now,
      secrets: this.sources.secrets(source, now),
      ...(this.options.keySetFetch ? { keySetFetch: this.options.keySetFetch } : {}),
    };
    const verdict = await source.verifier.verify(inbound, ctx);
    const result: SourceTestResult = {
      verified: verdict.ok,
      verifierType: source.verifierConfig.type,
      ...(verdict.ok ? {} : { reason: verdict.reason, detail: verdict.detail }),
    };
    if (!verdict.ok && verdict.reason === 'stale_timestamp') {
      // A delivery pasted from the provider's log is usually older than the tolerance: say whether the rest holds.
      const timeless = await freshnessUnchecked(source.verifierConfig)?.verify(inbound, ctx);
      if (timeless)
        result.detail = `${verdict.detail}; apart from the time it ${
          timeless.ok
            ? 'verifies: the secret and the body are right (a request tried after its time, or clocks apart)'
            : `does not verify either: ${timeless.detail}`
        }`;
    }
    if (!verdict.ok) return result;
    try {
      const { data } = this.parse(source, inbound);
      result.eventType = extractEventType(inbound, data, {
        provider: source.provider,
        eventType: source.settings.eventType,
      });
      result.subject = extractSubject(inbound, data, { provider: source.provider }) ?? null;
      result.idempotencyKey =
        extractIdempotencyKey(
          inbound,
          data,
          source.settings.idempotencyKeys ?? source.provider?.idempotencyKeys ?? [],
        ) ?? null;
    } catch (err) {
      result.parseError = (err as Error).message;
    }
    return result;
  }

  /**
   * The body as the event's data: parsed by its content type, then by the source's template where the provider wraps
   * JSON in it (Slack's `payload=<json>`). Data a template made is not the body's text, which is then not kept.
   */
  private parse(source: LiveSource, req: InboundRequest): ParsedBody {
    const limits = { maxDepth: this.options.maxJsonDepth };
    const parsed = parseBody(req.rawBody, req.headers['content-type'], limits);
    const data = source.provider?.data?.(parsed.data, limits);
    return data === undefined ? parsed : { kind: parsed.kind, data };
  }

  private checkAddress(source: LiveSource, req: IngestRequest): void {
    const allow = source.settings.ipAllowList;
    if (!allow || allow.length === 0) return;
    if (
      !isAllowed(req.remoteAddress, req.forwardedFor, { allow, trustedProxies: this.options.trustedProxies })
    ) {
      throw new EventhookError('EH_INGEST_FORBIDDEN');
    }
  }

  private checkRate(source: LiveSource): void {
    const rl = source.settings.rateLimit;
    if (!rl) return;
    const taken = this.limiter.take(source.record.id, {
      ratePerSecond: rl.perSecond,
      burst: rl.burst ?? Math.max(1, Math.ceil(rl.perSecond * 2)),
    });
    if (!taken.ok) {
      throw new EventhookError(
        'EH_INGEST_RATE_LIMITED',
        {},
        { headers: { 'retry-after': String(taken.retryAfterSeconds) } },
      );
    }
  }

  private newEvent(
    source: LiveSource,
    req: InboundRequest,
    now: number,
    f: {
      type: string;
      subject: string | null;
      data: JsonValue;
      bodyText?: string;
      key: string | null;
      status: NewEvent['status'];
      error?: string;
    },
  ): NewEvent {
    const body = source.credentialBodyPath
      ? storedBodyWithout(source.credentialBodyPath, req.rawBody, { data: f.data, bodyText: f.bodyText })
      : { data: f.data, bodyText: f.bodyText, rawBody: req.rawBody };
    return {
      id: newId('event', now) as EventId,
      org: source.record.org,
      sourceId: source.record.id,
      source: `webhook:${source.record.slug}`,
      type: f.type,
      subject: f.subject,
      time: now,
      status: f.status,
      contentType: req.headers['content-type'] ?? null,
      rawBody: body.rawBody,
      bodyText: body.bodyText,
      headers: sanitizeHeaders(req.headers, source.credentialHeaders),
      data: body.data,
      idempotencyKey: f.key,
      correlationId: null,
      traceparent: req.headers.traceparent ?? null,
      // A parser's message may quote the body, NUL included.
      error: storableText(f.error) ?? null,
      hopCount: 0,
      // A fact of this arrival: the source's verifier may change later, and must not change what this event says.
      verifiedBy: f.status === 'rejected' ? null : source.verifierConfig.type,
    };
  }

  /** Kept for debugging only: a `rejected` event is never routed. */
  private async storeRejected(source: LiveSource, req: InboundRequest, reason: string): Promise<void> {
    const event = this.newEvent(source, req, this.clock.now(), {
      type: 'rejected',
      subject: null,
      data: null,
      key: null,
      status: 'rejected',
      error: reason,
    });
    await this.committer.submit({ event });
  }

  private async commitFailed(source: LiveSource, req: InboundRequest, error: string): Promise<string> {
    const event = this.newEvent(source, req, this.clock.now(), {
      type: 'unparsable',
      subject: null,
      data: null,
      key: null,
      status: 'failed',
      error,
    });
    return (await this.committer.submit({ event })).eventId;
  }
}

/**
 * How long a replay key is kept: as long as idempotency keys, and at least as long as a signature stays fresh in
 * either direction of clock skew, so that a short dedup window never lets a fresh signature be used twice.
 */
function replayWindowMs(source: LiveSource, dedupWindowMs: number): number {
  const timestamp = (source.verifierConfig as { timestamp?: { toleranceSeconds?: number } }).timestamp;
  return Math.max(dedupWindowMs, 2 * (timestamp?.toleranceSeconds ?? 0) * 1000);
}

/** Whether the raw body is JSON object text: its first non-blank byte is `{` (a form or text body never passes). */
function isJsonObjectText(raw: Buffer): boolean {
  for (const byte of raw) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b;
  }
  return false;
}
