// The hmac verifier: HMAC-SHA1/256/512 over a signed-content template of the raw request, hex or base64, with
// prefixes, several signatures per header, key=value headers, signed timestamps and URL-covering schemes (Twilio).
import { createHash, createHmac } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { headerOf, queryOf, type InboundRequest } from '../inbound-request.js';
import { decodeStrict, digestsEqual } from './constant-time.js';
import {
  compileScheme,
  gatherSignatures,
  isGathered,
  keyValuePairs,
  SIGNATURE_FIELDS,
} from './signature-scheme.js';
import { renderSignedContent, urlCandidates } from './signed-content.js';
import { ACCEPTED, reject, type Verifier, type VerifyContext, type VerifyResult } from './types.js';

export const HmacConfigSchema = Type.Object(
  {
    type: Type.Literal('hmac'),
    algorithm: Type.Optional(
      Type.Union([Type.Literal('sha1'), Type.Literal('sha256'), Type.Literal('sha512')], {
        default: 'sha256',
      }),
    ),
    algorithmHeader: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description:
          'A header of key=value pairs whose algorithm (HMAC_SHA1 or HMAC_SHA256) picks the algorithm of each request, as Twilio SharedKey webhooks do; without it, algorithm',
      }),
    ),
    encoding: Type.Optional(Type.Union([Type.Literal('hex'), Type.Literal('base64')], { default: 'hex' })),
    ...SIGNATURE_FIELDS,
    signatureBodyPath: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'The signature is this body field (Mailgun)',
      }),
    ),
    secretEncoding: Type.Optional(
      Type.Union([Type.Literal('utf8'), Type.Literal('base64'), Type.Literal('hex')], {
        default: 'utf8',
        description: 'How the secret string becomes key bytes',
      }),
    ),
    url: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2048,
        description:
          'The URL the provider signs for {url}, byte-exact as registered (Square); default: the request URL',
      }),
    ),
    urlDecoded: Type.Optional(
      Type.Boolean({
        description:
          'Also try {url} with the escapes HubSpot decodes before signing (%3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B)',
      }),
    ),
    bodyHashParam: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'Query parameter holding hex SHA-256 of the body (Twilio bodySHA256); checked when present',
      }),
    ),
  },
  { additionalProperties: false, title: 'HmacVerifierConfig' },
);
export type HmacConfig = Static<typeof HmacConfigSchema>;

export function createHmacVerifier(config: HmacConfig): Verifier {
  const fixedAlgorithm = config.algorithm ?? 'sha256';
  const algorithmHeader = config.algorithmHeader?.toLowerCase();
  const scheme = compileScheme(config, config.encoding ?? 'hex');
  const secretEncoding = config.secretEncoding ?? 'utf8';
  const where =
    scheme.header !== undefined ? `header ${scheme.header}` : `body field ${config.signatureBodyPath}`;

  return {
    verify(req: InboundRequest, ctx: VerifyContext): VerifyResult {
      const named = algorithmHeader && algorithmNamedIn(headerOf(req, algorithmHeader));
      if (named === null)
        return reject(
          'bad_encoding',
          `header ${algorithmHeader} names an algorithm other than HMAC_SHA1/256`,
        );
      const algorithm = named || fixedAlgorithm;
      const keys = ctx.secrets
        .map((s) => (secretEncoding === 'utf8' ? Buffer.from(s, 'utf8') : decodeStrict(s, secretEncoding)))
        .filter((k): k is Buffer => k !== undefined && k.length > 0);
      if (keys.length === 0)
        return reject('misconfigured', `the source has no usable ${secretEncoding} secret`);
      const g = gatherSignatures(req, scheme, ctx.now);
      if (!isGathered(g)) return g;

      if (config.bodyHashParam !== undefined && !bodyMatchesHash(req, config.bodyHashParam)) {
        return reject(
          'no_matching_signature',
          `the body does not match the ${config.bodyHashParam} query parameter`,
        );
      }

      const urls = scheme.content.usesUrl
        ? urlCandidates(signedUrl(config, req), config.urlDecoded === true)
        : [undefined];
      let matched = false;
      for (const url of urls) {
        const content = renderSignedContent(scheme.content, {
          req,
          url,
          timestamp: g.timestamp,
          body: g.body,
        });
        if (!Buffer.isBuffer(content)) return reject('missing_header', `${content.missing} is missing`);
        for (const key of keys) {
          const digest = createHmac(algorithm, key).update(content).digest();
          for (const signature of g.signatures) if (digestsEqual(digest, signature)) matched = true;
        }
      }
      if (matched) return ACCEPTED;
      // A signature over the URL fails alike for a wrong secret and for a URL the provider called that is not the
      // one seen here (a proxy in front): name the URL, which is no secret, so the two can be told apart.
      const over = scheme.content.usesUrl
        ? ` over the URL ${urls[0]}; if the provider calls another URL (a proxy in front), the source must know it`
        : '';
      return reject(
        'no_matching_signature',
        `no ${algorithm} signature in ${where} matches the ${keys.length === 1 ? 'secret' : `${keys.length} secrets`}${over}`,
      );
    },
  };
}

/**
 * The algorithm in a `key=…,algorithm=HMAC_SHA256` header (twilio's getSignatureAlgorithm): undefined when the header
 * or its algorithm is missing, null when it names one not supported.
 */
function algorithmNamedIn(value: string | undefined): 'sha1' | 'sha256' | undefined | null {
  const name = keyValuePairs(value ?? '', ',')
    .get('algorithm')?.[0]
    ?.toUpperCase();
  if (!name) return undefined;
  return name === 'HMAC_SHA1' ? 'sha1' : name === 'HMAC_SHA256' ? 'sha256' : null;
}

/** True unless the query carries `param` and it is not the hex SHA-256 of the body (Twilio JSON webhooks). */
function bodyMatchesHash(req: InboundRequest, param: string): boolean {
  const given = queryOf(req, param);
  if (given === undefined) return true;
  const digest = createHash('sha256').update(req.rawBody).digest();
  return digestsEqual(digest, decodeStrict(given, 'hex') ?? Buffer.alloc(0));
}

/**
 * The URL the provider signed: the request's, or the configured one. Twilio appends `bodySHA256=…` to the URL
 * it was configured with, so a configured URL gets the received body-hash parameter appended the same way.
 */
function signedUrl(config: HmacConfig, req: InboundRequest): string {
  if (config.url === undefined) return req.url;
  const hash = config.bodyHashParam === undefined ? undefined : queryOf(req, config.bodyHashParam);
  if (hash === undefined) return config.url;
  return `${config.url}${config.url.includes('?') ? '&' : '?'}${config.bodyHashParam}=${hash}`;
}
