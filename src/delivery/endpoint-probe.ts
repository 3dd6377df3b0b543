// A test message to an endpoint (POST /endpoints/{endpoint}/test): signed, authenticated and sent exactly as a
// delivery would be, answered with what the receiver said. It is the operator's check that a new endpoint, secret or
// credential works, so it leaves no trace a delivery would: no action, no attempt, nothing fed to the circuit breaker
// (a 410 does not disable the endpoint), and it goes even while the endpoint is paused or disabled.
import { newId, type Clock, type JsonValue } from '../core/index.js';
import { newSystemEvent, toEnvelope } from '../events/publisher.js';
import type { AuthenticatedSender } from './authenticated-sender.js';
import { redactHeaders } from './endpoint-auth.js';
import type { LiveEndpoints } from './live-endpoints.js';
import { classifyResponse, OUTCOME_LABELS } from './retry-policy.js';
import { webhookBody, webhookRequest } from './webhook-message.js';

export const TEST_EVENT_TYPE = 'eventhook.test';

export interface ProbeInput {
  type?: string;
  data?: JsonValue;
}

export interface ProbeResult {
  /** Whether a delivery answered like this would have succeeded. */
  ok: boolean;
  /** What a delivery would record: succeeded, failed (retried), gone (410) or aborted. */
  outcome: (typeof OUTCOME_LABELS)[keyof typeof OUTCOME_LABELS];
  msgId: string;
  statusCode: number | null;
  latencyMs: number;
  /** Why it would not have succeeded (the same text an attempt records), or null. */
  error: string | null;
  request: { url: string; headers: Record<string, string>; body: string };
  response: { headers: Record<string, string>; body: string; truncated: boolean } | null;
}

export class EndpointProbe {
  constructor(
    private readonly endpoints: LiveEndpoints,
    private readonly sender: AuthenticatedSender,
    private readonly clock: Clock,
  ) {}

  /** Sends one test message to the endpoint `slug`; null when there is no such endpoint. */
  async send(org: string, slug: string, input: ProbeInput): Promise<ProbeResult | null> {
    const endpoint = await this.endpoints.get(org, slug);
    if (!endpoint) return null;
    const now = this.clock.now();
    const msgId = newId('message', now);
    // The body a rule's webhook target sends by default: the event's envelope.
    const event = newSystemEvent({
      org,
      source: 'system:eventhook',
      type: input.type ?? TEST_EVENT_TYPE,
      subject: slug,
      data: input.data ?? { message: `A test message from Eventhook to endpoint ${slug}` },
      now,
    });
    const body = webhookBody(toEnvelope(event) as unknown as JsonValue);
    const result = await this.sender.send(endpoint.record.id, endpoint.auth, () =>
      webhookRequest(endpoint, msgId, body, this.clock.now()),
    );
    const outcome = classifyResponse(result, this.clock);
    const answered = result.status !== undefined;
    return {
      ok: outcome.kind === 'success',
      outcome: OUTCOME_LABELS[outcome.kind],
      msgId,
      statusCode: result.status ?? null,
      latencyMs: Math.round(result.latencyMs),
      error: outcome.kind === 'success' ? null : outcome.reason,
      request: {
        url: endpoint.record.url,
        headers: redactHeaders(result.requestHeaders, endpoint),
        body: body.toString('utf8'),
      },
      response: answered
        ? { headers: result.headers, body: result.body, truncated: result.bodyTruncated }
        : null,
    };
  }
}
