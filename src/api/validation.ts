// How requests are validated: one Ajv per request part. Query strings, path parameters and headers arrive as text,
// so their schemas coerce ("50" is the integer 50); a JSON body already carries its types, so it is checked as
// sent and "5000" for an integer, or "false" for a boolean, is refused with the field and the type it needs. A query
// string, like a body, may hold only the parameters its schema lists.
import { AjvCompiler, type ValidatorFactory } from '@fastify/ajv-compiler';

/** Options both validators share; only type coercion differs by part. */
const AJV_OPTIONS = {
  removeAdditional: false,
  useDefaults: true,
  // Every offending field is reported, not only the first; bodies are bounded by the body limit.
  allErrors: true,
  discriminator: true,
  // Errors carry the schema they failed, so that messages can name the allowed values (validation-issues.ts).
  verbose: true,
} as const;

/**
 * The server's validator factory: Fastify's own Ajv compiler (same formats and defaults), built twice, and chosen
 * by the part of the request being validated.
 */
export function requestValidators(): ValidatorFactory {
  const pool = AjvCompiler();
  return (externalSchemas, options) => {
    const build = (coerceTypes: 'array' | false) =>
      pool(externalSchemas, {
        ...(options?.plugins ? { plugins: options.plugins } : {}),
        customOptions: { ...AJV_OPTIONS, coerceTypes },
      });
    const strict = build(false);
    const coercing = build('array');
    return (route) =>
      route.httpPart === 'body'
        ? strict(route)
        : coercing(route.httpPart === 'querystring' ? { ...route, schema: knownOnly(route.schema) } : route);
  };
}

/**
 * A query string's schema refusing parameters it does not list, as bodies refuse unknown fields: a misspelt filter
 * (`?stauts=failed`) would otherwise answer the whole unfiltered list as if it were the filtered one.
 */
function knownOnly<S>(schema: S): S {
  const object = schema as { type?: unknown; additionalProperties?: unknown };
  return object.type === 'object' && object.additionalProperties === undefined
    ? ({ ...object, additionalProperties: false } as S)
    : schema;
}
