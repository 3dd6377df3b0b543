// The standard_webhooks verifier (Standard Webhooks spec, Svix-compatible): `webhook-*` or `svix-*` headers,
// `${id}.${timestamp}.${body}` signed with HMAC-SHA256 (`v1,` + base64) or Ed25519 (`v1a,`), space-separated
// signatures, whsec_ secrets (base64 key bytes) or whpk_ public keys, and a ±5 min window.
import { createHmac, verify as verifySignature } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { headerOf, type InboundRequest } from '../inbound-request.js';
import { decodeStrict, digestsEqual } from './constant-time.js';
import { loadEd25519PublicKey } from './public-keys.js';
import { checkFreshness } from './timestamp.js';
import { ACCEPTED, reject, type Verifier, type VerifyContext, type VerifyResult } from './types.js';

export const StandardWebhooksConfigSchema = Type.Object(
  {
    type: Type.Literal('standard_webhooks'),
    headerPrefix: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal('webhook'), Type.Literal('svix')], {
        default: 'auto',
        description: 'auto: webhook-* headers, else svix-*',
      }),
    ),
    toleranceSeconds: Type.Optional(Type.Number({ minimum: 1, maximum: 604_800, default: 300 })),
  },
  { additionalProperties: false, title: 'StandardWebhooksVerifierConfig' },
);
export type StandardWebhooksConfig = Static<typeof StandardWebhooksConfigSchema>;

export const DEFAULT_STANDARD_WEBHOOKS_TOLERANCE_SECONDS = 300;

/** The HMAC key of a `whsec_` secret (the prefix is optional, as in the reference libraries). */
export function standardWebhooksKey(secret: string): Buffer | undefined {
  const key = decodeStrict(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  return key && key.length > 0 ? key : undefined;
}

/** The `v1,<base64>` signature of a message, as a Standard Webhooks sender writes it (samples, tests). */
export function standardWebhooksSignature(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string | Buffer,
): string {
  const key = standardWebhooksKey(secret);
  if (!key) throw new RangeError('not a whsec_ secret');
  const content = Buffer.concat([Buffer.from(`${id}.${timestampSeconds}.`, 'utf8'), Buffer.from(body)]);
  return `v1,${createHmac('sha256', key).update(content).digest('base64')}`;
}

export function createStandardWebhooksVerifier(config: StandardWebhooksConfig): Verifier {
  const prefixes =
    config.headerPrefix === undefined || config.headerPrefix === 'auto'
      ? ['webhook', 'svix']
      : [config.headerPrefix];
  const tolerance = config.toleranceSeconds ?? DEFAULT_STANDARD_WEBHOOKS_TOLERANCE_SECONDS;

  return {
    verify(req: InboundRequest, ctx: VerifyContext): VerifyResult {
      const hmacKeys: Buffer[] = [];
      const publicKeys = [];
      for (const secret of ctx.secrets) {
        if (secret.startsWith('whpk_')) {
          const key = loadEd25519PublicKey(secret.slice(5));
          if (key) publicKeys.push(key);
        } else {
          const key = standardWebhooksKey(secret);
          if (key) hmacKeys.push(key);
        }
      }
      if (hmacKeys.length + publicKeys.length === 0)
        return reject('misconfigured', 'the source has no usable whsec_/whpk_ secret');

      const prefix = prefixes.find((p) => headerOf(req, `${p}-signature`) !== undefined);
      if (prefix === undefined)
        return reject(
          'missing_signature',
          `header ${prefixes.map((p) => `${p}-signature`).join(' / ')} is missing`,
        );
      const signatureHeader = headerOf(req, `${prefix}-signature`) ?? '';
      const id = headerOf(req, `${prefix}-id`);
      if (!id) return reject('missing_header', `header ${prefix}-id is missing`);
      const timestamp = headerOf(req, `${prefix}-timestamp`);
      if (!timestamp) return reject('missing_timestamp', `header ${prefix}-timestamp is missing`);
      if (!/^\d{1,12}$/.test(timestamp))
        return reject('bad_encoding', `header ${prefix}-timestamp is not integer seconds`);
      const stale = checkFreshness(Number(timestamp) * 1000, ctx.now, tolerance);
      if (stale) return stale;

      const v1: Buffer[] = [];
      const v1a: Buffer[] = [];
      for (const entry of signatureHeader.split(' ').filter(Boolean).slice(0, 16)) {
        const comma = entry.indexOf(',');
        const decoded = comma > 0 ? decodeStrict(entry.slice(comma + 1), 'base64') : undefined;
        if (decoded === undefined) continue;
        if (entry.slice(0, comma) === 'v1') v1.push(decoded);
        else if (entry.slice(0, comma) === 'v1a') v1a.push(decoded);
      }
      if (v1.length + v1a.length === 0)
        return reject('bad_encoding', `header ${prefix}-signature has no v1,<base64> or v1a,<base64> entry`);

      const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), req.rawBody]);
      let matched = false;
      for (const key of hmacKeys) {
        const digest = createHmac('sha256', key).update(content).digest();
        for (const signature of v1) if (digestsEqual(digest, signature)) matched = true;
      }
      for (const key of publicKeys) {
        for (const signature of v1a)
          if (signature.length === 64 && verifySignature(null, content, key, signature)) matched = true;
      }
      return matched
        ? ACCEPTED
        : reject(
            'no_matching_signature',
            `no signature in ${prefix}-signature matches the source's ${ctx.secrets.length === 1 ? 'secret' : 'secrets'}`,
          );
    },
  };
}
