// The api_key verifier: a shared key sent as-is in a header (GitLab X-Gitlab-Token, `Authorization: Bearer …`),
// a query parameter, or body fields (Microsoft Graph clientState on every notification), compared in constant time.
import { Type, type Static } from '@sinclair/typebox';
import { invalid, type JsonValue } from '../../core/index.js';
import { parseDotPath, valuesAtPath } from '../body-path.js';
import { headerOf, queryOf, type InboundRequest } from '../inbound-request.js';
import { parseBody } from '../parse-body.js';
import { matchesAnySecret } from './constant-time.js';
import { ACCEPTED, reject, type Verifier, type VerifyContext, type VerifyResult } from './types.js';

export const ApiKeyConfigSchema = Type.Object(
  {
    type: Type.Literal('api_key'),
    in: Type.Optional(
      Type.Union([Type.Literal('header'), Type.Literal('query'), Type.Literal('body')], {
        default: 'header',
      }),
    ),
    name: Type.String({
      minLength: 1,
      maxLength: 256,
      description:
        'Header name, query parameter, or body dot path (`*` = every array element; all must match)',
    }),
    scheme: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 32,
        description: 'Header value is "<scheme> <key>", e.g. Bearer',
      }),
    ),
  },
  { additionalProperties: false, title: 'ApiKeyVerifierConfig' },
);
export type ApiKeyConfig = Static<typeof ApiKeyConfigSchema>;

export function createApiKeyVerifier(config: ApiKeyConfig): Verifier {
  const location = config.in ?? 'header';
  const name = location === 'header' ? config.name.toLowerCase() : config.name;
  const bodyPath = location === 'body' ? parseDotPath(name) : [];
  if (!Array.isArray(bodyPath))
    throw invalid([{ path: '/name', message: bodyPath.error }], 'EH_SOURCE_INVALID');
  const where = `${location === 'body' ? 'body field' : location} ${name}`;

  return {
    verify(req: InboundRequest, ctx: VerifyContext): VerifyResult {
      if (ctx.secrets.length === 0) return reject('misconfigured', 'the source has no key');
      const given = presented(req, location, name, bodyPath);
      if (given === undefined || given.length === 0)
        return reject('missing_credentials', `${where} is missing`);
      const values: string[] = [];
      for (const value of given) {
        const key = config.scheme === undefined ? value : stripScheme(value, config.scheme);
        if (key === undefined)
          return reject('bad_encoding', `${where} does not use the ${config.scheme} scheme`);
        values.push(key);
      }
      // Every presented value must match (a batch with one forged notification is rejected whole).
      let allMatch = true;
      for (const value of values) if (!matchesAnySecret(value, ctx.secrets)) allMatch = false;
      return allMatch ? ACCEPTED : reject('bad_credentials', `${where} does not match the source's key`);
    },
  };
}

function presented(
  req: InboundRequest,
  location: string,
  name: string,
  bodyPath: string[],
): string[] | undefined {
  if (location === 'header') {
    const v = headerOf(req, name);
    return v === undefined ? undefined : [v];
  }
  if (location === 'query') {
    const v = queryOf(req, name);
    return v === undefined ? undefined : [v];
  }
  let body: JsonValue | undefined;
  try {
    body = parseBody(req.rawBody, headerOf(req, 'content-type'), { maxDepth: 64 }).data;
  } catch {
    return undefined;
  }
  const found = valuesAtPath(body, bodyPath);
  return found.every((v): v is string => typeof v === 'string') ? found : undefined;
}

/** `Bearer abc` → `abc` (scheme compared case-insensitively, as HTTP auth schemes are). */
export function stripScheme(value: string, scheme: string): string | undefined {
  const space = value.indexOf(' ');
  if (space === -1 || value.slice(0, space).toLowerCase() !== scheme.toLowerCase()) return undefined;
  return value.slice(space + 1).trim();
}
