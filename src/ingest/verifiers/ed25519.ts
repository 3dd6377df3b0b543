// The ed25519 verifier: an Ed25519 signature over a signed-content template (Discord: `{timestamp}{body}`, hex),
// checked against the source's public key(s).
import { verify as verifySignature } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { InboundRequest } from '../inbound-request.js';
import { loadEd25519PublicKey } from './public-keys.js';
import { compileScheme, gatherSignatures, isGathered, SIGNATURE_FIELDS } from './signature-scheme.js';
import { renderSignedContent } from './signed-content.js';
import { ACCEPTED, reject, type Verifier, type VerifyContext, type VerifyResult } from './types.js';

export const Ed25519ConfigSchema = Type.Object(
  {
    type: Type.Literal('ed25519'),
    encoding: Type.Optional(Type.Union([Type.Literal('hex'), Type.Literal('base64')], { default: 'hex' })),
    ...SIGNATURE_FIELDS,
    header: Type.String({ minLength: 1, maxLength: 128, description: 'Header that carries the signature' }),
  },
  { additionalProperties: false, title: 'Ed25519VerifierConfig' },
);
export type Ed25519Config = Static<typeof Ed25519ConfigSchema>;

export function createEd25519Verifier(config: Ed25519Config): Verifier {
  const scheme = compileScheme(config, config.encoding ?? 'hex');
  return {
    verify(req: InboundRequest, ctx: VerifyContext): VerifyResult {
      const keys = ctx.secrets.map(loadEd25519PublicKey).filter((k) => k !== undefined);
      if (keys.length === 0) return reject('misconfigured', 'the source has no readable Ed25519 public key');
      const g = gatherSignatures(req, scheme, ctx.now);
      if (!isGathered(g)) return g;
      const content = renderSignedContent(scheme.content, { req, timestamp: g.timestamp, body: g.body });
      if (!Buffer.isBuffer(content)) return reject('missing_header', `${content.missing} is missing`);
      let matched = false;
      for (const key of keys) {
        for (const signature of g.signatures) {
          if (signature.length === 64 && verifySignature(null, content, key, signature)) matched = true;
        }
      }
      return matched
        ? ACCEPTED
        : reject('no_matching_signature', `the Ed25519 signature in header ${scheme.header} does not verify`);
    },
  };
}
