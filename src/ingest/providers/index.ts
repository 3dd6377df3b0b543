// The provider registry: every template by id, for GET /providers and for sources created with {provider, secret}.
import { EventhookError } from '../../core/index.js';
import { nearestName } from '../../core/nearest-name.js';
import { createVerifier, type VerifierConfig } from '../verifiers/index.js';
import { calendly, hubspot, typeform, zoom } from './business-apps.js';
import { paddle, shopify, square, stripe, woocommerce } from './commerce.js';
import { jira, linear, pagerduty, vercel } from './dev-tools.js';
import { mailgun, sendgrid } from './email.js';
import { bitbucket, github, gitlab } from './git-hosting.js';
import { discord, intercom, meta, slack, twilio } from './messaging.js';
import { dropbox, googlePubsub, microsoftGraph, twitch, x } from './platforms.js';
import { clerk, resend, standardWebhooks, svix } from './standard-webhooks.js';
import type { ProviderTemplate, SecretChooser } from './types.js';

export type {
  AckResponse,
  Handshake,
  HandshakeResponse,
  ProviderTemplate,
  SampleOptions,
  SampleRequest,
  SecretChooser,
} from './types.js';
export { GOOGLE_CERTS_URL } from './platforms.js';

const ALL: readonly ProviderTemplate[] = [
  github,
  gitlab,
  bitbucket,
  stripe,
  paddle,
  square,
  shopify,
  woocommerce,
  slack,
  discord,
  twilio,
  meta,
  intercom,
  sendgrid,
  mailgun,
  linear,
  jira,
  pagerduty,
  vercel,
  zoom,
  typeform,
  hubspot,
  calendly,
  standardWebhooks,
  svix,
  clerk,
  resend,
  twitch,
  microsoftGraph,
  dropbox,
  x,
  googlePubsub,
];

const BY_ID = new Map(ALL.map((p) => [p.id, p]));

export function getProvider(id: string): ProviderTemplate | undefined {
  return BY_ID.get(id);
}

/**
 * EH_PROVIDER_UNKNOWN at `/provider`, naming the provider a misspelt id likely meant (`GitHub`, `google_pubsub`),
 * else where the ids are listed.
 */
export function unknownProvider(id: string): EventhookError {
  const near = nearestName(id, [...BY_ID.keys()]);
  const hint = near ? `did you mean ${near}?` : 'GET /providers lists them';
  return new EventhookError(
    'EH_PROVIDER_UNKNOWN',
    { provider: id, hint },
    { issues: [{ path: '/provider', message: `is not a provider: ${hint}` }] },
  );
}

/** Every template, in catalogue order (grouped by kind of product). */
export function listProviders(): ProviderTemplate[] {
  return [...ALL];
}

/**
 * The verifier config a source created with {provider, options} stores: the template's config, validated by
 * createVerifier so a bad option fails at save time. Throws EH_PROVIDER_UNKNOWN or EH_SOURCE_INVALID.
 */
export function providerVerifierConfig(id: string, options: Record<string, unknown> = {}): VerifierConfig {
  const provider = getProvider(id);
  if (!provider) throw unknownProvider(id);
  const config = provider.verifier(options);
  createVerifier(config);
  return config;
}

/** Who chooses the secret of a source made from `p` with these options; null when it takes none. */
export function secretChooserOf(
  p: ProviderTemplate,
  options: Record<string, unknown> = {},
): SecretChooser | null {
  return typeof p.secretChosenBy === 'function' ? p.secretChosenBy(options) : p.secretChosenBy;
}

/** What GET /providers shows for one template (plain data, no functions). */
export interface ProviderSummary {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly docsUrl: string;
  readonly verifierType: VerifierConfig['type'];
  readonly requiredFields: readonly string[];
  readonly optionalFields: readonly string[];
  /** Who chooses the secret with the default options (`user`: Eventhook may generate it; `provider`: paste it). */
  readonly secretChosenBy: SecretChooser | null;
  /** Options that are secrets: write-only, like the secret itself. */
  readonly secretOptions: readonly string[];
  readonly setupHints: readonly string[];
  readonly idempotencyKeys: readonly string[];
  /** A request with a value at this path already used for another event is refused as a replay; null: none. */
  readonly replayKey: string | null;
  readonly handshake: 'before' | 'after' | null;
}

export function summarizeProvider(p: ProviderTemplate): ProviderSummary {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    docsUrl: p.docsUrl,
    verifierType: defaultVerifierType(p),
    requiredFields: p.requiredFields,
    optionalFields: p.optionalFields,
    secretChosenBy: secretChooserOf(p),
    secretOptions: p.secretOptions ?? [],
    setupHints: p.setupHints,
    idempotencyKeys: p.idempotencyKeys,
    replayKey: p.replayKey ?? null,
    handshake: p.handshake?.phase ?? null,
  };
}

function defaultVerifierType(p: ProviderTemplate): VerifierConfig['type'] {
  // Required options are filled with placeholders: only the config's type is read here.
  const placeholders = Object.fromEntries(
    p.requiredFields.filter((f) => f !== 'secret').map((f) => [f, 'x']),
  );
  return p.verifier(placeholders).type;
}
