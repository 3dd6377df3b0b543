// The token verifier: a secret in the URL itself, as the last path segment (`…/in/{source}/{token}`) or a query
// parameter, for providers that can only be given a URL. Rotatable like any secret.
import { Type, type Static } from '@sinclair/typebox';
import { queryOf, type InboundRequest } from '../inbound-request.js';
import { matchesAnySecret } from './constant-time.js';
import { ACCEPTED, reject, type Verifier, type VerifyContext, type VerifyResult } from './types.js';

export const TokenConfigSchema = Type.Object(
  {
    type: Type.Literal('token'),
    in: Type.Optional(
      Type.Union([Type.Literal('path'), Type.Literal('query')], {
        default: 'query',
        description: 'path: the last path segment, …/in/{source}/{token}; query: a query parameter',
      }),
    ),
    name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, default: 'token', description: 'Query parameter' }),
    ),
  },
  { additionalProperties: false, title: 'TokenVerifierConfig' },
);
export type TokenConfig = Static<typeof TokenConfigSchema>;

export function createTokenVerifier(config: TokenConfig): Verifier {
  const location = config.in ?? 'query';
  const name = config.name ?? 'token';
  return {
    verify(req: InboundRequest, ctx: VerifyContext): VerifyResult {
      if (ctx.secrets.length === 0) return reject('misconfigured', 'the source has no token');
      const given = location === 'query' ? queryOf(req, name) : pathToken(req.path);
      const where = location === 'query' ? `query parameter ${name}` : 'the path token';
      if (!given) return reject('missing_credentials', `${where} is missing`);
      return matchesAnySecret(given, ctx.secrets)
        ? ACCEPTED
        : reject('bad_credentials', `${where} does not match`);
    },
  };
}

/**
 * The last path segment after `…/eventhook/in/{source}/`, or undefined when nothing follows the source: a request to
 * the bare ingest URL carries no token, which is not the same as a wrong one. A path without that prefix (a sample
 * URL of another shape) counts from its last segment.
 */
function pathToken(path: string): string | undefined {
  const bare = path.split('?', 1)[0] ?? '';
  const tail = /\/eventhook\/in\/[^/]+(\/.*)?$/.exec(bare);
  const segments = (tail ? (tail[1] ?? '') : bare).split('/').filter(Boolean);
  const last = segments.at(-1);
  if (last === undefined) return undefined;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}
