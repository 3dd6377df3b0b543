// The provider template contract: what a source created with {provider, secret} gets — verifier, event type,
// subject, idempotency keys, handshake — plus what GET /providers shows and a signed sample for the CLI.
import type { JsonValue } from '../../core/index.js';
import type { InboundRequest } from '../inbound-request.js';
import type { ParseLimits } from '../parse-body.js';
import type { VerifierConfig, VerifyContext } from '../verifiers/index.js';

/** A provider's answer to a challenge; the route sends it as is and stores no event. */
export interface HandshakeResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface Handshake {
  /**
   * 'before': runs before verification (unsigned challenges: Meta GET, Graph validationToken, Dropbox, X CRC);
   * 'after': runs only once the request verified (Slack, Zoom, Twitch, Discord sign their challenges).
   */
  readonly phase: 'before' | 'after';
  /**
   * The handshake signs strings the caller chooses with the key that signs deliveries (X's CRC): a signing oracle.
   * A source with one accepts only deliveries the oracle cannot have signed — a JSON object.
   */
  readonly signsCallerContent?: boolean;
  /** The response to send, or undefined when the request is not this handshake (carry on as normal). */
  respond(
    req: InboundRequest,
    body: JsonValue | undefined,
    ctx: VerifyContext & { options: Record<string, unknown> },
  ): HandshakeResponse | undefined;
}

/** A custom acknowledgement of a stored event: a 2xx status, and a body with its content type. */
export interface AckResponse {
  readonly status?: number;
  /** Sent as is, except that `{{eventId}}` becomes the event id. */
  readonly body?: string;
  readonly contentType?: string;
}

/** A correctly signed request for a provider: for `eventhook send <provider>`, docs and tests. */
export interface SampleRequest {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly contentType: string;
}

export interface SampleOptions {
  /**
   * The source's secret; for public-key providers (Discord, SendGrid, Google Pub/Sub, Jira connect) the matching
   * private key as PKCS#8 PEM (or the shared key where the scheme is symmetric).
   */
  readonly secret: string;
  /** The full URL the sample is sent to (covered by Twilio, Square and HubSpot signatures). */
  readonly url: string;
  /** Milliseconds since the epoch, for timestamps. */
  readonly now: number;
  /** The same per-provider options a source has (e.g. Square notificationUrl). */
  readonly options?: Record<string, unknown>;
}

/**
 * Who chooses a source's secret. 'user': you pick it and type it into the provider (GitHub's webhook secret), so
 * Eventhook may generate one for you to paste there. 'provider': the provider issues it and shows it to you
 * (Stripe's whsec_, Slack's signing secret, Discord's public key): only the one it shows can verify, so it must be
 * pasted here, and a secret Eventhook made up would verify nothing.
 */
export type SecretChooser = 'user' | 'provider';

/**
 * A provider template. Invariants: `id` is kebab-case and unique; `verifier(options)` returns a config that
 * createVerifier accepts, or throws EH_SOURCE_INVALID naming the bad option; `idempotencyKeys` pass
 * validateIdempotencyKeyPath. Templates are immutable data plus pure functions.
 */
export interface ProviderTemplate {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly docsUrl: string;
  /** Fields a source needs: `secret` when the verifier takes one, plus required option names. */
  readonly requiredFields: readonly string[];
  /** Optional option names this provider understands. */
  readonly optionalFields: readonly string[];
  /**
   * Who chooses the secret; null for a template without one (Google Pub/Sub). A function where an option changes
   * it (Jira: the admin webhook's secret is yours, a Connect app's sharedSecret Atlassian's); it must not throw.
   */
  readonly secretChosenBy: SecretChooser | null | ((options: Record<string, unknown>) => SecretChooser);
  /**
   * Options that are secrets: sealed at rest and never returned (see secret-options.ts). They must not be copied
   * into the verifier config, which the API shows.
   */
  readonly secretOptions?: readonly string[];
  /** Short, ordered steps: where to paste the URL, where the secret comes from. */
  readonly setupHints: readonly string[];
  verifier(options: Record<string, unknown>): VerifierConfig;
  /**
   * The event's data where the parsed body is not it yet: a provider that wraps JSON in a form field (Slack's
   * interactivity `payload=<json>`) gets it parsed, so rules, event types and idempotency keys see its fields. Runs
   * on a verified body, before anything reads it; undefined keeps the body as parsed.
   */
  data?(body: JsonValue | undefined, limits: ParseLimits): JsonValue | undefined;
  eventType?(req: InboundRequest, body: JsonValue | undefined): string | undefined;
  subject?(req: InboundRequest, body: JsonValue | undefined): string | undefined;
  /** Ordered idempotency key paths (`header.<name>`, `body.<dot.path>`); empty: no provider-given dedup id. */
  readonly idempotencyKeys: readonly string[];
  /**
   * Where a request carries a value the provider never sends for two events (a key path like `idempotencyKeys`),
   * for a signature that leaves the body out (Mailgun): a request with a used value for another event is refused as
   * a replay, so a captured signature cannot vouch for another body.
   */
  readonly replayKey?: string;
  readonly handshake?: Handshake;
  /**
   * An unsigned liveness probe the provider sends besides its events (Slack `ssl_check=1`): answered before
   * verification, never stored, and carrying no data, so answering reveals nothing.
   */
  readonly ping?: Handshake;
  /**
   * The acknowledgement the provider expects when it is not `200 {eventId, duplicate}` (Microsoft Graph wants
   * 202, Discord an interaction reply); undefined keeps the default. A source's own `response` setting wins.
   */
  response?(req: InboundRequest, body: JsonValue | undefined): AckResponse | undefined;
  sample(opts: SampleOptions): SampleRequest;
}
