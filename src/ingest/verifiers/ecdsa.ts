// The ecdsa verifier: ECDSA P-256 (or P-384) over a signed-content template (SendGrid: `{timestamp}{body}`, base64
// DER), checked against the source's public key(s).
import { verify as verifySignature } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { InboundRequest } from '../inbound-request.js';
import { loadEcPublicKey } from './public-keys.js';
import { compileScheme, gatherSignatures, isGathered, SIGNATURE_FIELDS } from './signature-scheme.js';
import { renderSignedContent } from './signed-content.js';
import { ACCEPTED, reject, type Verifier, type VerifyContext, type VerifyResult } from './types.js';

export const EcdsaConfigSchema = Type.Object(
  {
    type: Type.Literal('ecdsa'),
    curve: Type.Optional(Type.Union([Type.Literal('P-256'), Type.Literal('P-384')], { default: 'P-256' })),
    hash: Type.Optional(Type.Union([Type.Literal('sha256'), Type.Literal('sha384')], { default: 'sha256' })),
    signatureFormat: Type.Optional(
      Type.Union([Type.Literal('der'), Type.Literal('raw')], {
        default: 'der',
        description: 'der: ASN.1 DER; raw: r||s (IEEE P1363, as in JWS)',
      }),
    ),
    encoding: Type.Optional(Type.Union([Type.Literal('hex'), Type.Literal('base64')], { default: 'base64' })),
    ...SIGNATURE_FIELDS,
    header: Type.String({ minLength: 1, maxLength: 128, description: 'Header that carries the signature' }),
  },
  { additionalProperties: false, title: 'EcdsaVerifierConfig' },
);
export type EcdsaConfig = Static<typeof EcdsaConfigSchema>;

export function createEcdsaVerifier(config: EcdsaConfig): Verifier {
  const scheme = compileScheme(config, config.encoding ?? 'base64');
  const curve = config.curve ?? 'P-256';
  const hash = config.hash ?? 'sha256';
  const dsaEncoding = config.signatureFormat === 'raw' ? 'ieee-p1363' : 'der';
  return {
    verify(req: InboundRequest, ctx: VerifyContext): VerifyResult {
      const keys = ctx.secrets.map((s) => loadEcPublicKey(s, curve)).filter((k) => k !== undefined);
      if (keys.length === 0) return reject('misconfigured', `the source has no readable ${curve} public key`);
      const g = gatherSignatures(req, scheme, ctx.now);
      if (!isGathered(g)) return g;
      const content = renderSignedContent(scheme.content, { req, timestamp: g.timestamp, body: g.body });
      if (!Buffer.isBuffer(content)) return reject('missing_header', `${content.missing} is missing`);
      let matched = false;
      for (const key of keys) {
        for (const signature of g.signatures) {
          try {
            if (verifySignature(hash, content, { key, dsaEncoding }, signature)) matched = true;
          } catch {
            // a signature that is not valid DER: no match
          }
        }
      }
      return matched
        ? ACCEPTED
        : reject('no_matching_signature', `the ECDSA signature in header ${scheme.header} does not verify`);
    },
  };
}
