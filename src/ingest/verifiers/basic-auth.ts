// The basic_auth verifier: `Authorization: Basic base64(user:password)`, username from the config, password from
// the source's secrets, both compared in constant time.
import { Type, type Static } from '@sinclair/typebox';
import { headerOf, type InboundRequest } from '../inbound-request.js';
import { secretsEqual, matchesAnySecret } from './constant-time.js';
import { stripScheme } from './api-key.js';
import { ACCEPTED, reject, type Verifier, type VerifyContext, type VerifyResult } from './types.js';

export const BasicAuthConfigSchema = Type.Object(
  {
    type: Type.Literal('basic_auth'),
    username: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false, title: 'BasicAuthVerifierConfig' },
);
export type BasicAuthConfig = Static<typeof BasicAuthConfigSchema>;

export function createBasicAuthVerifier(config: BasicAuthConfig): Verifier {
  return {
    verify(req: InboundRequest, ctx: VerifyContext): VerifyResult {
      if (ctx.secrets.length === 0) return reject('misconfigured', 'the source has no password');
      const header = headerOf(req, 'authorization');
      if (header === undefined) return reject('missing_credentials', 'header authorization is missing');
      const encoded = stripScheme(header, 'Basic');
      if (encoded === undefined || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) {
        return reject('bad_encoding', 'header authorization is not Basic credentials');
      }
      const decoded = Buffer.from(encoded, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon === -1)
        return reject('bad_encoding', 'the Basic credentials have no user:password separator');
      const userOk = secretsEqual(decoded.slice(0, colon), config.username);
      const passwordOk = matchesAnySecret(decoded.slice(colon + 1), ctx.secrets);
      return userOk && passwordOk ? ACCEPTED : reject('bad_credentials', 'the username or password is wrong');
    },
  };
}
