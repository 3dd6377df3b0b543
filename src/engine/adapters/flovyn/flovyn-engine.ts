// The flovyn engine adapter (SPEC §7): workflow, task and promise targets call a Flovyn server's REST API
// (reference/flovyn.md §1) with a Bearer token. Flovyn keeps the executions; Eventhook only starts and settles them,
// each call carrying the action's deterministic idempotency key, so a retry or a replay names the run Flovyn already
// has (Flovyn frees the key of a run that failed or was cancelled: then a replay starts a new one).
import type { JsonValue } from '../../../core/envelope.js';
import { EventhookError } from '../../../core/errors.js';
import { byteBoundedKey } from '../../../core/keys.js';
import { childTraceparent } from '../../../core/trace-context.js';
import { AddressPolicy } from '../../../delivery/address-policy.js';
import { HttpSender } from '../../../delivery/http-sender.js';
import type { ExecutionCauses } from './execution-causes.js';
import { FlovynToken } from './flovyn-token.js';
import {
  causeCorrelationId,
  engineInput,
  kindConflict,
  META_EVENT,
  META_HOPS,
  type CreateTask,
  type Engine,
  type EngineResult,
  type PromiseOutcome,
  type SettlePromise,
  type StartWorkflow,
} from '../../port.js';

export interface FlovynEngineOptions {
  /** The server's base URL, without `/api/orgs`. */
  url: string;
  /** The token at start. */
  token: string;
  /** Where the token is kept (a mounted secret): read again when Flovyn refuses the one sent. */
  tokenFile?: string;
  /** The least time between two reads of `tokenFile` (default 5 s). */
  tokenRereadMs?: number;
  timeoutMs: number;
  /** Eventhook org → Flovyn org slug, where they differ. */
  orgs?: ReadonlyMap<string, string>;
  /** Where the causes of started executions are kept for their lifecycle events' hops, correlation and trace. */
  causes?: ExecutionCauses;
}

/**
 * Flovyn's answers are JSON documents; a task's echoes its input (up to 1 MB), its metadata (up to 64 KB) and, for one
 * a key already named, its output. A larger one is cut off, and taken for no answer.
 */
const MAX_ANSWER_BYTES = 4 << 20;
/**
 * Flovyn refuses longer idempotency keys (400). Its reference says 255 characters, of a Rust server, whose string
 * lengths count UTF-8 bytes: counted in bytes, a key fits either reading.
 */
const MAX_KEY_BYTES = 255;
/**
 * How long Flovyn remembers a key: its maximum. Its default (24 h) would let a replay a day later start the same
 * workflow again, which the deterministic key exists to prevent. Flovyn ignores fields it does not know, and the
 * reference leaves the field's casing open, so both spellings go.
 */
const KEY_TTL = '30d';

export class FlovynEngine implements Engine {
  readonly name = 'flovyn';
  // The operator chose the server, so any address is allowed (but cloud metadata, which the policy always keeps
  // out); the sender brings the deadline, the capped answer and the error kinds that webhooks use.
  private readonly sender = new HttpSender({
    policy: AddressPolicy.fromAllowList(['0.0.0.0/0', '::/0'], 'EVENTHOOK_FLOVYN_URL'),
    responseBodyCap: MAX_ANSWER_BYTES,
    userAgent: 'Eventhook',
  });

  private readonly token: FlovynToken;

  constructor(private readonly options: FlovynEngineOptions) {
    this.token = new FlovynToken(options.token, options.tokenFile, options.tokenRereadMs);
  }

  async startWorkflow(req: StartWorkflow): Promise<EngineResult> {
    const input = engineInput('workflow', req.input, req.inputExactIntegers);
    const key = flovynKey(req.idempotencyKey);
    const { status, body } = await this.call(req, 'workflow-executions', input, {
      kind: req.kind,
      ...(req.queue !== undefined ? { queue: req.queue } : {}),
      idempotencyKey: key,
      idempotencyKeyTTL: KEY_TTL,
      idempotencyKeyTtl: KEY_TTL,
      metadata: metadataOf(req),
    });
    const id = stringField(body, 'workflowExecutionId', status);
    sameKind(req, body, 'workflow', id);
    // 201 is a new execution, 200 the one the key already named.
    const created = status === 201 && body.idempotencyKeyNew !== false;
    await this.remember(id, req, created);
    return { id, created };
  }

  async createTask(req: CreateTask): Promise<EngineResult> {
    const input = engineInput('task', req.input, req.inputExactIntegers);
    const { status, body } = await this.call(req, 'task-executions', input, {
      kind: req.kind,
      ...(req.queue !== undefined ? { queue: req.queue } : {}),
      ...(req.maxRetries !== undefined ? { maxRetries: req.maxRetries } : {}),
      idempotencyKey: flovynKey(req.idempotencyKey),
      idempotencyKeyTTL: KEY_TTL,
      idempotencyKeyTtl: KEY_TTL,
      metadata: metadataOf(req),
    });
    const id = stringField(body, 'id', status);
    sameKind(req, body, 'task', id);
    // Flovyn documents no 200 for a task its key already named, so a 201 does not prove this start made it: the first
    // cause remembered stays.
    await this.remember(id, req, false);
    return { id, created: status === 201 };
  }

  async settlePromise(req: SettlePromise): Promise<PromiseOutcome> {
    const { status, body } = await this.call(
      req,
      `promises/${promiseIdentifier(req.promise)}/${req.mode}`,
      undefined,
      req.mode === 'resolve' ? { value: req.value ?? null } : { error: req.error ?? 'rejected' },
      req.promise,
    );
    return {
      // Flovyn always names the promise: a 200 without it (a page from a proxy or a front end at the wrong URL) is
      // no settlement, and must not pass for one.
      promiseId: stringField(body, 'promiseId', status),
      // A repeat is answered 200 with alreadyResolved: nothing changed.
      settled: body.alreadyResolved !== true && body.alreadyRejected !== true,
    };
  }

  /**
   * Keeps the execution's cause as the local engine keeps it on its executions (correlation id and traceparent as
   * they came, not the child span the call went out with), for the lifecycle events Flovyn publishes without either.
   */
  private async remember(executionId: string, req: StartWorkflow, made: boolean): Promise<void> {
    if (req.causeEventId === undefined) return;
    const correlationId = causeCorrelationId(req);
    await this.options.causes?.remember(
      req.org,
      executionId,
      {
        eventId: req.causeEventId,
        hops: req.causeHopCount ?? 0,
        ...(correlationId !== undefined ? { correlationId } : {}),
        ...(req.traceparent !== undefined ? { traceparent: req.traceparent } : {}),
      },
      made,
    );
  }

  async close(): Promise<void> {
    await this.sender.close();
  }

  /**
   * POSTs to `/api/orgs/{org}/{path}`, continuing the causing event's trace; maps every answer but a 2xx to the
   * engine error its retry needs. `input`: the execution's input, already serialized (and measured), sent as its
   * `input` field without serializing it again.
   */
  private async call(
    req: { org: string; traceparent?: string },
    path: string,
    input: string | undefined,
    payload: Record<string, JsonValue>,
    promise?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const slug = this.options.orgs?.get(req.org) ?? req.org;
    const trace = childTraceparent(req.traceparent);
    const request = withInput(input, JSON.stringify(payload));
    const send = (token: string) =>
      this.sender.send({
        url: `${this.options.url}/api/orgs/${encodeURIComponent(slug)}/${path}`,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json',
          ...(trace !== undefined ? { traceparent: trace } : {}),
        },
        body: request,
        timeoutMs: this.options.timeoutMs,
      });
    const used = this.token.value;
    let result = await send(used);
    // A token refused may have been rotated (a mounted secret): sent once more with the new one, if there is one.
    if (result.status === 401) {
      const rotated = await this.token.afterRefusal(used);
      if (rotated !== undefined) result = await send(rotated);
    }
    const { status, error, body: text, bodyTruncated } = result;
    if (error?.kind === 'timeout')
      throw new EventhookError('EH_ENGINE_TIMEOUT', { timeoutMs: this.options.timeoutMs });
    if (status === undefined)
      throw new EventhookError('EH_ENGINE_UNREACHABLE', { reason: error?.message ?? 'no answer' });
    // A head that arrived without its whole body is no answer to act on (retried like an outage).
    if (error) throw new EventhookError('EH_ENGINE_UPSTREAM', { status, reason: error.message });
    // A success cut off names no execution to go on with (an error's reason may well be cut).
    if (bodyTruncated && (status === 200 || status === 201))
      throw new EventhookError('EH_ENGINE_UPSTREAM', {
        status,
        reason: `the answer is longer than ${MAX_ANSWER_BYTES} bytes`,
      });
    const retryAfter = result.headers['retry-after'];
    const body = parseObject(text);
    if (status === 200 || status === 201) return { status, body };
    const reason = reasonOf(body, text);
    if (status === 404 && promise !== undefined)
      // Not created yet, perhaps: the workflow that registers it may still be on its way. Worth retrying. Flovyn's
      // reason goes with it: a 404 may be about something else (an org that does not exist), and the status is kept on
      // the attempt as any other answer's.
      throw new EventhookError('EH_ENGINE_PROMISE_NOT_FOUND', { id: promise, status, reason });
    if (status === 400 || status === 409 || status === 413 || status === 422)
      // The same request will be refused the same way (413: the input is over Flovyn's 1 MB): the action goes
      // straight to dead, with Flovyn's reason.
      throw new EventhookError('EH_ENGINE_CONFLICT', {
        message: `Flovyn answered ${status}: ${reason}`,
        status,
      });
    // Transient (overload, quota, an outage, a token being fixed): retried on the action's schedule, or after the
    // Retry-After Flovyn sent, which travels as the error's header.
    throw new EventhookError(
      'EH_ENGINE_UPSTREAM',
      { status, reason },
      retryAfter !== undefined ? { headers: { 'retry-after': retryAfter } } : {},
    );
  }
}

/** The payload's JSON (an object with fields: a start's always has its kind) with the serialized input first. */
function withInput(input: string | undefined, payload: string): string {
  return input === undefined ? payload : `{"input":${input},${payload.slice(1)}`;
}

/** Flovyn's idempotency keys hold 255 bytes; a longer key is replaced by its digest, the same every time. */
export function flovynKey(key: string): string {
  return byteBoundedKey(key, MAX_KEY_BYTES);
}

/**
 * The path segment Flovyn expects: `id:{uuid}` or `key:{idempotency key}`, the key URL-encoded (keys such as
 * `stripe:pi_123` hold colons and may hold slashes). A bare id is an id.
 */
export function promiseIdentifier(promise: string): string {
  if (promise.startsWith('key:')) return `key:${encodeURIComponent(promise.slice(4))}`;
  return `id:${encodeURIComponent(promise.startsWith('id:') ? promise.slice(3) : promise)}`;
}

/** The target's metadata, plus the causing event and hop count, which Flovyn keeps with the execution. */
function metadataOf(req: StartWorkflow): Record<string, string> {
  const metadata: Record<string, string> = { ...req.metadata };
  if (req.causeEventId !== undefined) metadata[META_EVENT] = req.causeEventId;
  if (req.causeHopCount !== undefined) metadata[META_HOPS] = String(req.causeHopCount);
  return metadata;
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** Flovyn's errors are `{"error": "…"}`, quota errors add a `message`. */
function reasonOf(body: Record<string, unknown>, text: string): string {
  const parts = [body.error, body.message].filter((p): p is string => typeof p === 'string' && p !== '');
  return parts.length > 0 ? parts.join(': ') : text.slice(0, 200) || 'no body';
}

/**
 * Flovyn keeps a workflow's idempotency key per org, whatever the kind: a key another kind holds answers 200 with
 * that execution. Taken for a success, a second rule sharing a business key would skip its own workflow silently, so
 * it fails for good instead, naming the holder (a task key of another kind is Flovyn's own 409). Keys are sent as
 * written, not prefixed with the kind: users may rely on the exact key (to find or cancel the execution in Flovyn).
 */
function sameKind(req: StartWorkflow, body: Record<string, unknown>, what: string, id: string): void {
  if (typeof body.kind === 'string' && body.kind !== req.kind) throw kindConflict(req, what, id, body.kind);
}

function stringField(body: Record<string, unknown>, name: string, status: number): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '')
    throw new EventhookError('EH_ENGINE_UPSTREAM', { status, reason: `the answer has no ${name}` });
  return value;
}
