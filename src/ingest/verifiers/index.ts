// The verifier registry: one TypeBox schema per verifier type (validation, storage and OpenAPI share it), the
// factory the ingest route calls, and which config field holds each type's secret.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { invalid, isEventhookError, schemaIssues } from '../../core/index.js';
import type { InboundRequest } from '../inbound-request.js';
import { ApiKeyConfigSchema, createApiKeyVerifier } from './api-key.js';
import { BasicAuthConfigSchema, createBasicAuthVerifier } from './basic-auth.js';
import { decodeStrict } from './constant-time.js';
import { createEcdsaVerifier, EcdsaConfigSchema } from './ecdsa.js';
import { createEd25519Verifier, Ed25519ConfigSchema } from './ed25519.js';
import { createHmacVerifier, HmacConfigSchema } from './hmac.js';
import { createJwtVerifier, JwtConfigSchema, jwtKeySource } from './jwt.js';
import { createNoneVerifier, NoneConfigSchema } from './none.js';
import { loadEcPublicKey, loadEd25519PublicKey } from './public-keys.js';
import {
  createStandardWebhooksVerifier,
  StandardWebhooksConfigSchema,
  standardWebhooksKey,
} from './standard-webhooks.js';
import { createTokenVerifier, TokenConfigSchema } from './token.js';
import { reject, type RejectReason, type Verifier, type VerifyContext, type VerifyResult } from './types.js';

export * from './types.js';
export type { HmacConfig } from './hmac.js';
export type { StandardWebhooksConfig } from './standard-webhooks.js';
export type { Ed25519Config } from './ed25519.js';
export type { EcdsaConfig } from './ecdsa.js';
export type { ApiKeyConfig } from './api-key.js';
export type { BasicAuthConfig } from './basic-auth.js';
export type { TokenConfig } from './token.js';
export type { JwtConfig } from './jwt.js';
export type { NoneConfig } from './none.js';
export type { TimestampConfig } from './timestamp.js';
export { TEMPLATE_PLACEHOLDERS } from './signed-content.js';
export { atlassianQsh } from './atlassian-qsh.js';
export { standardWebhooksSignature } from './standard-webhooks.js';
export {
  HmacConfigSchema,
  StandardWebhooksConfigSchema,
  Ed25519ConfigSchema,
  EcdsaConfigSchema,
  ApiKeyConfigSchema,
  BasicAuthConfigSchema,
  TokenConfigSchema,
  JwtConfigSchema,
  NoneConfigSchema,
};

/** A verifier config as stored: everything but the secret, discriminated on `type`. */
export const VerifierConfigSchema = Type.Union(
  [
    HmacConfigSchema,
    StandardWebhooksConfigSchema,
    Ed25519ConfigSchema,
    EcdsaConfigSchema,
    ApiKeyConfigSchema,
    BasicAuthConfigSchema,
    TokenConfigSchema,
    JwtConfigSchema,
    NoneConfigSchema,
  ],
  { title: 'VerifierConfig', discriminator: { propertyName: 'type' } },
);
export type VerifierConfig = Static<typeof VerifierConfigSchema>;
export type VerifierType = VerifierConfig['type'];

interface TypeEntry {
  readonly schema: TSchema;
  readonly create: (config: never) => Verifier;
  /** The API field that carries this type's secret; null when the type has none. */
  readonly secretField: string | null;
  /** Save-time check of one secret; a reason when unusable. Never echoes the secret. */
  readonly checkSecret: (secret: string, config: never) => string | undefined;
}

const nonEmpty = (s: string): string | undefined => (s.length === 0 ? 'must not be empty' : undefined);

const TYPES: Record<VerifierType, TypeEntry> = {
  hmac: {
    schema: HmacConfigSchema,
    create: createHmacVerifier,
    secretField: 'secret',
    checkSecret: (s: string, c: Static<typeof HmacConfigSchema>) =>
      nonEmpty(s) ??
      (c.secretEncoding && c.secretEncoding !== 'utf8' && !decodeStrict(s, c.secretEncoding)
        ? `is not valid ${c.secretEncoding}`
        : undefined),
  },
  standard_webhooks: {
    schema: StandardWebhooksConfigSchema,
    create: createStandardWebhooksVerifier,
    secretField: 'secret',
    checkSecret: (s: string) =>
      (s.startsWith('whpk_') ? loadEd25519PublicKey(s.slice(5)) : standardWebhooksKey(s))
        ? undefined
        : 'must be whsec_<base64> (or whpk_<base64 Ed25519 public key>)',
  },
  ed25519: {
    schema: Ed25519ConfigSchema,
    create: createEd25519Verifier,
    secretField: 'publicKey',
    checkSecret: (s: string) =>
      loadEd25519PublicKey(s) ? undefined : 'is not an Ed25519 public key (hex, base64 or PEM)',
  },
  ecdsa: {
    schema: EcdsaConfigSchema,
    create: createEcdsaVerifier,
    secretField: 'publicKey',
    checkSecret: (s: string, c: Static<typeof EcdsaConfigSchema>) =>
      loadEcPublicKey(s, c.curve ?? 'P-256')
        ? undefined
        : `is not a ${c.curve ?? 'P-256'} public key (PEM or base64 DER)`,
  },
  api_key: {
    schema: ApiKeyConfigSchema,
    create: createApiKeyVerifier,
    secretField: 'key',
    checkSecret: nonEmpty,
  },
  basic_auth: {
    schema: BasicAuthConfigSchema,
    create: createBasicAuthVerifier,
    secretField: 'password',
    checkSecret: nonEmpty,
  },
  token: {
    schema: TokenConfigSchema,
    create: createTokenVerifier,
    secretField: 'token',
    checkSecret: nonEmpty,
  },
  jwt: {
    schema: JwtConfigSchema,
    create: createJwtVerifier,
    secretField: 'key',
    checkSecret: (s: string) => (jwtKeySource(s) ? undefined : 'is not a shared key, PEM public key or JWKS'),
  },
  none: {
    schema: NoneConfigSchema,
    create: createNoneVerifier,
    secretField: null,
    checkSecret: () => undefined,
  },
};

export const VERIFIER_TYPES = Object.keys(TYPES) as VerifierType[];

/**
 * Builds a verifier, validating the config first. Throws EventhookError EH_SOURCE_INVALID (with issues located at
 * `path`, where the config sits in a source's input) for a config that is invalid; the verifier it returns rejects
 * (reason `misconfigured`) rather than throws when something fails at request time, so nothing ever fails open.
 */
export function createVerifier(config: VerifierConfig, path = '/verifier'): Verifier {
  const type =
    typeof config === 'object' && config !== null ? (config as { type?: unknown }).type : undefined;
  const entry =
    typeof type === 'string' && Object.hasOwn(TYPES, type) ? TYPES[type as VerifierType] : undefined;
  if (entry === undefined) {
    const message = type === undefined ? 'is required' : `must be one of ${VERIFIER_TYPES.join(', ')}`;
    throw invalid([{ path: `${path}/type`, message }], 'EH_SOURCE_INVALID');
  }
  const issues = schemaIssues(entry.schema, config, path).slice(0, 5);
  if (issues.length > 0) throw invalid(issues, 'EH_SOURCE_INVALID');
  try {
    return failClosed(entry.create(config as never));
  } catch (err) {
    // What only building finds (a signed-content template, a dot path) is located within the config.
    if (!isEventhookError(err, 'EH_SOURCE_INVALID') || !err.issues) throw err;
    throw invalid(
      err.issues.map((i) => ({ ...i, path: `${path}${i.path}` })),
      'EH_SOURCE_INVALID',
    );
  }
}

function failClosed(inner: Verifier): Verifier {
  const broken = (err: unknown): VerifyResult =>
    reject(
      'misconfigured',
      `the verifier failed (${err instanceof Error ? err.name : 'error'}); request rejected`,
    );
  return {
    verify(req: InboundRequest, ctx: VerifyContext) {
      try {
        const result = inner.verify(req, ctx);
        return result instanceof Promise ? result.catch(broken) : result;
      } catch (err) {
        return broken(err);
      }
    },
  };
}

/** Which config field the API accepts the secret in for this type (null: the type takes no secret). */
export function secretFieldOf(type: VerifierType): string | null {
  return TYPES[type]?.secretField ?? null;
}

/** True when the type cannot verify without a secret (a jwt with a jwksUrl can). */
export function secretRequired(config: VerifierConfig): boolean {
  if (config.type === 'none') return false;
  if (config.type === 'jwt') return config.jwksUrl === undefined;
  return true;
}

/**
 * Save-time check that `secret` is usable by `config`; throws EH_SOURCE_INVALID naming where the secret was given
 * (`path`), never its value.
 */
export function validateSecret(config: VerifierConfig, secret: string, path = '/secret'): void {
  const problem = TYPES[config.type].checkSecret(secret, config as never);
  if (problem !== undefined) throw invalid([{ path, message: problem }], 'EH_SOURCE_INVALID');
}

/**
 * The verifier `config` makes, but with its timestamp's freshness unchecked; undefined when it checks none. For
 * `POST /sources/{source}/test` alone: a request pasted from a provider's log later than its tolerance is stale,
 * and whether its signature matches (is the secret right?) is still worth saying. Never used for ingest.
 */
export function freshnessUnchecked(config: VerifierConfig): Verifier | undefined {
  const inner = timeless(config);
  return inner && failClosed(inner);
}

function timeless(config: VerifierConfig): Verifier | undefined {
  switch (config.type) {
    case 'hmac':
      return config.timestamp && createHmacVerifier({ ...config, timestamp: unchecked(config.timestamp) });
    case 'ed25519':
      return config.timestamp && createEd25519Verifier({ ...config, timestamp: unchecked(config.timestamp) });
    case 'ecdsa':
      return config.timestamp && createEcdsaVerifier({ ...config, timestamp: unchecked(config.timestamp) });
    case 'standard_webhooks':
      // Past the schema's bounds on purpose: no age is too old.
      return createStandardWebhooksVerifier({ ...config, toleranceSeconds: Infinity });
    default:
      return undefined;
  }
}

/** A timestamp still read and signed, never checked for freshness (a tolerance of 0). */
const unchecked = <T extends { toleranceSeconds?: number }>(ts: T): T => ({ ...ts, toleranceSeconds: 0 });

/** The verdict `POST /sources/{source}/test` shows. */
export interface VerificationVerdict {
  readonly verified: boolean;
  readonly verifierType: VerifierType;
  readonly reason?: RejectReason;
  readonly detail?: string;
}

export async function verdictOf(
  config: VerifierConfig,
  req: InboundRequest,
  ctx: VerifyContext,
): Promise<VerificationVerdict> {
  const result = await createVerifier(config).verify(req, ctx);
  return result.ok
    ? { verified: true, verifierType: config.type }
    : { verified: false, verifierType: config.type, reason: result.reason, detail: result.detail };
}
