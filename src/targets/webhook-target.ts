// webhook target (SPEC §8): one signed message per action to the rule's endpoint. The gate decides whether it may
// go now (else the action waits without using an attempt); the answer feeds the endpoint's breaker and the retry
// policy, and the attempt is recorded with what went over the wire (credentials redacted).
import type { ActionId, Clock, JsonValue } from '../core/index.js';
import type { AuthenticatedSender } from '../delivery/authenticated-sender.js';
import { wakeNextInLane, type DeliveryGate } from '../delivery/delivery-gate.js';
import { deliveryDeadEvent } from '../delivery/delivery-events.js';
import { redactHeaders } from '../delivery/endpoint-auth.js';
import type { EndpointStateKeeper } from '../delivery/endpoint-state.js';
import type { LiveEndpoint, LiveEndpoints } from '../delivery/live-endpoints.js';
import {
  classifyResponse,
  decideAfterAttempt,
  DEFAULT_RETRY_AFTER_CAP_MS,
  OUTCOME_LABELS,
} from '../delivery/retry-policy.js';
import type { SendResult } from '../delivery/send-result.js';
import { messageIdFor, webhookBody, webhookRequest } from '../delivery/webhook-message.js';
import { attemptBudget, deliverySchedule } from '../delivery/webhook-retry.js';
import type { StoreRepos } from '../store/port.js';
import type { EventRecord, NewEvent } from '../store/records.js';
import {
  TargetFailure,
  type AttemptDetails,
  type AttemptEffects,
  type DyingAction,
  type TargetContext,
  type TargetHandler,
} from './target-handler.js';
import type { WebhookTarget } from './target-schema.js';

export interface WebhookTargetOptions {
  retryAfterCapMs?: number;
  /** Jitter source for retry delays; injectable for tests. */
  random?: () => number;
}

export class WebhookTargetHandler implements TargetHandler {
  constructor(
    private readonly endpoints: LiveEndpoints,
    private readonly gate: DeliveryGate,
    private readonly sender: AuthenticatedSender,
    private readonly state: EndpointStateKeeper,
    private readonly clock: Clock,
    private readonly options: WebhookTargetOptions = {},
  ) {}

  async maxAttempts(org: string, target: JsonValue): Promise<number | undefined> {
    const t = target as unknown as WebhookTarget;
    const endpoint = await this.endpoints.get(org, t.endpoint);
    return attemptBudget(t.retry, endpoint?.record.retry ?? null);
  }

  deadEvents(action: DyingAction, event: EventRecord, error: string, now: number): NewEvent[] {
    const endpoint = (action.target as unknown as WebhookTarget).endpoint;
    const msgId = messageIdFor(action.idempotencyKey);
    return [
      deliveryDeadEvent({ action, event, endpoint, msgId, reason: 'failed', error, statusCode: null, now }),
    ];
  }

  async run(ctx: TargetContext) {
    const { action, event } = ctx;
    const t = action.target as unknown as WebhookTarget;
    const msgId = messageIdFor(action.idempotencyKey);
    const dead = (
      reason: 'exhausted' | 'gone' | 'aborted' | 'failed',
      error: string,
      statusCode: number | null,
    ) =>
      deliveryDeadEvent({
        action,
        event,
        endpoint: t.endpoint,
        msgId,
        reason,
        error,
        statusCode,
        now: this.clock.now(),
      });
    const endpoint = await this.endpoints.get(action.org, t.endpoint);
    if (!endpoint) {
      const error = `endpoint ${t.endpoint} does not exist`;
      throw new TargetFailure(error, { permanent: true, events: [dead('failed', error, null)] });
    }
    // The slug of a deleted endpoint is free again: an action queued while the deleted one was there is not for the
    // endpoint that took the slug since, so it dies as it would with none, rather than deliver, at a retry or a manual
    // one, to whoever took the slug. Only an action that looks older than its endpoint is asked about (one read).
    if (
      endpoint.record.createdAt > action.createdAt &&
      (await this.endpoints.replacedSince(action.org, endpoint.record, action.createdAt))
    ) {
      const error = `endpoint ${t.endpoint} does not exist: it was deleted, and the endpoint now named ${t.endpoint} is another one`;
      throw new TargetFailure(error, { permanent: true, events: [dead('failed', error, null)] });
    }
    const pass = await this.gate.enter(endpoint, action, ctx.envelope);
    const body = webhookBody(ctx.input, event.exactIntegers);
    let result: SendResult;
    try {
      result = await this.sender.send(
        endpoint.record.id,
        endpoint.auth,
        // Built (and signed) when it goes out: after an OAuth2 token wait, the timestamp is still fresh.
        () => webhookRequest(endpoint, msgId, body, this.clock.now(), event.traceparent),
      );
    } finally {
      pass.release();
    }
    const outcome = classifyResponse(result, this.clock);
    await this.state.afterAttempt(endpoint, outcome, event);
    const attempt = attemptDetails(endpoint, result, msgId, body.length);
    const schedule = deliverySchedule(t.retry, endpoint.record.retry, action.maxAttempts);
    const decision = decideAfterAttempt(schedule, action.attempts, outcome, {
      retryAfterCapMs: this.options.retryAfterCapMs ?? DEFAULT_RETRY_AFTER_CAP_MS,
      ...(this.options.random ? { random: this.options.random } : {}),
    });
    // The next message of a FIFO lane may go once this one is finished, in the same transaction as its end.
    const finished: AttemptEffects =
      pass.lane === undefined ? {} : { commit: this.nextInLane(endpoint, pass.lane) };
    if (decision.next === 'succeeded')
      return { result: { msgId, statusCode: result.status ?? null }, attempt, ...finished };
    const outcomeLabel = OUTCOME_LABELS[outcome.kind];
    const reason = outcome.kind === 'success' ? 'succeeded' : outcome.reason;
    if (decision.next === 'retry') {
      throw new TargetFailure(reason, { attempt, retryAfterMs: decision.delayMs, outcome: outcomeLabel });
    }
    throw new TargetFailure(decision.detail, {
      permanent: true,
      attempt,
      outcome: outcomeLabel,
      events: [dead(decision.reason, decision.detail, result.status ?? null)],
      ...finished,
    });
  }

  /** Lets the next message of the lane go, and hands it to the worker to start at once (see AttemptEffects). */
  private nextInLane(endpoint: LiveEndpoint, lane: string): (tx: StoreRepos) => Promise<ActionId[]> {
    return (tx) => wakeNextInLane(tx.actions, endpoint, lane, this.clock.now());
  }
}

function attemptDetails(
  endpoint: LiveEndpoint,
  result: SendResult,
  msgId: string,
  bodyBytes: number,
): AttemptDetails {
  const answered = result.status !== undefined;
  return {
    statusCode: result.status ?? null,
    request: {
      method: 'POST',
      url: endpoint.record.url,
      msgId,
      bodyBytes,
      headers: redactHeaders(result.requestHeaders, endpoint),
    },
    responseHeaders: answered ? result.headers : null,
    responseBody: answered ? result.body + (result.bodyTruncated ? '\n[truncated]' : '') : null,
    latencyMs: Math.round(result.latencyMs),
  };
}
