// The jwt verifier: a JWT in a header (`Authorization: Bearer …` / `JWT …`) or query parameter, signed with a
// shared key (HS256…) or a public key given as PEM, an inline JWKS, or a JWKS URL; audience, issuer, required
// claims and Atlassian's qsh are checked. `exp` is always required.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  jwtVerify,
  type FetchImplementation,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { headerOf, queryOf, type InboundRequest } from '../inbound-request.js';
import { stripScheme } from './api-key.js';
import { atlassianQsh } from './atlassian-qsh.js';
import { secretsEqual } from './constant-time.js';
import {
  ACCEPTED,
  reject,
  type KeySetFetch,
  type Verifier,
  type VerifyContext,
  type VerifyResult,
} from './types.js';

const ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'ES256',
  'ES384',
  'EdDSA',
] as const;
const StringOrList = Type.Union([
  Type.String({ minLength: 1 }),
  Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
]);

export const JwtConfigSchema = Type.Object(
  {
    type: Type.Literal('jwt'),
    header: Type.Optional(Type.String({ minLength: 1, maxLength: 128, default: 'authorization' })),
    scheme: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 32,
        default: 'Bearer',
        description: 'Bearer, or JWT (Atlassian)',
      }),
    ),
    queryParam: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'Also accept the token in this query parameter',
      }),
    ),
    algorithms: Type.Optional(
      Type.Array(Type.Union(ALGORITHMS.map((a) => Type.Literal(a))), {
        minItems: 1,
        default: ['HS256', 'RS256'],
      }),
    ),
    audience: Type.Optional(StringOrList),
    issuer: Type.Optional(StringOrList),
    claims: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
        description:
          'Claims that must equal these values, e.g. {"email": "pusher@project.iam.gserviceaccount.com"}',
      }),
    ),
    jwksUrl: Type.Optional(
      Type.String({ pattern: '^https?://', maxLength: 2048, description: 'Fetch verification keys here' }),
    ),
    clockToleranceSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 600, default: 30 })),
    maxTokenAgeSeconds: Type.Optional(
      Type.Number({ minimum: 1, maximum: 604_800, description: 'Reject tokens whose iat is older' }),
    ),
    qsh: Type.Optional(Type.Boolean({ description: "Check Atlassian's query string hash claim" })),
    qshBaseUrl: Type.Optional(
      Type.String({
        maxLength: 2048,
        description: "The Atlassian app's baseUrl, stripped from the path for qsh",
      }),
    ),
  },
  { additionalProperties: false, title: 'JwtVerifierConfig' },
);
export type JwtConfig = Static<typeof JwtConfigSchema>;

type KeySource =
  | { kind: 'shared'; key: Uint8Array }
  | { kind: 'public'; key: KeyObject }
  | { kind: 'jwks'; get: JWTVerifyGetKey };

// One remote key set per (fetch, URL) for the whole process, so jose's cache and cooldown are shared by all sources.
const REMOTE_SETS = new Map<KeySetFetch | undefined, Map<string, JWTVerifyGetKey>>();

function remoteSet(url: string, fetch: KeySetFetch | undefined): JWTVerifyGetKey {
  let byUrl = REMOTE_SETS.get(fetch);
  if (!byUrl) REMOTE_SETS.set(fetch, (byUrl = new Map()));
  let set = byUrl.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url), {
      timeoutDuration: 5000,
      cooldownDuration: 30_000,
      cacheMaxAge: 600_000,
      ...(fetch ? { [customFetch]: fetch as FetchImplementation } : {}),
    });
    byUrl.set(url, set);
  }
  return set;
}

/** Reads one secret as a key: PEM public key or certificate, JWKS / JWK JSON, else a shared HMAC key. */
export function jwtKeySource(secret: string): KeySource | undefined {
  const text = secret.trim();
  try {
    if (text.startsWith('-----BEGIN')) return { kind: 'public', key: createPublicKey(text) };
    if (text.startsWith('{')) {
      const parsed = JSON.parse(text) as { keys?: unknown; kty?: unknown };
      const jwks = Array.isArray(parsed.keys)
        ? parsed
        : typeof parsed.kty === 'string'
          ? { keys: [parsed] }
          : undefined;
      return jwks
        ? { kind: 'jwks', get: createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]) }
        : undefined;
    }
  } catch {
    return undefined;
  }
  return secret.length > 0 ? { kind: 'shared', key: Buffer.from(secret, 'utf8') } : undefined;
}

export function createJwtVerifier(config: JwtConfig): Verifier {
  const header = (config.header ?? 'authorization').toLowerCase();
  const scheme = config.scheme ?? 'Bearer';
  const algorithms: string[] = config.algorithms ?? ['HS256', 'RS256'];
  const shared = algorithms.filter((a) => a.startsWith('HS'));
  const asymmetric = algorithms.filter((a) => !a.startsWith('HS'));

  return {
    async verify(req: InboundRequest, ctx: VerifyContext): Promise<VerifyResult> {
      const sources = ctx.secrets.map(jwtKeySource).filter((s) => s !== undefined);
      if (config.jwksUrl !== undefined)
        sources.push({ kind: 'jwks', get: remoteSet(config.jwksUrl, ctx.keySetFetch) });
      if (sources.length === 0)
        return reject('misconfigured', 'the source has no readable key and no jwksUrl');

      const headerValue = headerOf(req, header);
      const token =
        headerValue !== undefined
          ? stripScheme(headerValue, scheme)
          : config.queryParam
            ? queryOf(req, config.queryParam)
            : undefined;
      if (headerValue === undefined && token === undefined)
        return reject('missing_credentials', `header ${header} is missing`);
      if (!token) return reject('bad_encoding', `header ${header} does not carry a "${scheme} <token>"`);

      let lastError = 'no key verified the token';
      for (const source of sources) {
        const allowed = source.kind === 'shared' ? shared : asymmetric;
        if (allowed.length === 0) continue;
        try {
          const options = {
            algorithms: allowed,
            audience: config.audience,
            issuer: config.issuer,
            currentDate: new Date(ctx.now),
            clockTolerance: config.clockToleranceSeconds ?? 30,
            maxTokenAge: config.maxTokenAgeSeconds,
            requiredClaims: ['exp'],
          };
          const { payload } =
            source.kind === 'jwks'
              ? await jwtVerify(token, source.get, options)
              : await jwtVerify(token, source.key, options);
          const claimProblem = checkClaims(payload, config, req);
          if (claimProblem === undefined) return ACCEPTED;
          lastError = claimProblem;
        } catch (err) {
          if (source.kind === 'jwks' && keySetUnavailable(err)) {
            return reject('misconfigured', `the JWKS could not be loaded (${joseProblem(err)})`);
          }
          lastError = joseProblem(err);
        }
      }
      return reject('invalid_token', lastError);
    },
  };
}

function checkClaims(payload: JWTPayload, config: JwtConfig, req: InboundRequest): string | undefined {
  for (const [name, expected] of Object.entries(config.claims ?? {})) {
    const actual = payload[name];
    const equal =
      typeof expected === 'string'
        ? typeof actual === 'string' && secretsEqual(actual, expected)
        : actual === expected;
    if (!equal) return `claim ${name} does not have the expected value`;
  }
  if (config.qsh) {
    const expected = atlassianQsh(req.method, req.url, config.qshBaseUrl);
    if (typeof payload.qsh !== 'string' || !secretsEqual(payload.qsh, expected)) {
      return 'claim qsh does not match the request method, path and query';
    }
  }
  return undefined;
}

// Errors that say the keys could not be fetched, not that the token is bad: a network failure has no jose code.
const KEY_SET_ERRORS = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

function keySetUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code !== 'string' || KEY_SET_ERRORS.has(code);
}

function joseProblem(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return `${e.code ?? 'ERR_JWT_INVALID'}: ${e.message ?? 'invalid token'}`;
}
