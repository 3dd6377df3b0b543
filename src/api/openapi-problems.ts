// The errors the OpenAPI document declares, as the server answers them: every error is RFC 9457 problem+json (one
// handler, src/api/problem.ts), so the document says application/problem+json, declares 400 on every operation that
// validates a query or a body, and a `default` problem for the rest any operation may answer (413, 415, 429, 500, 503).
import type { OpenApiTransform } from './request-body.js';

const PROBLEM_REF = '#/components/schemas/Problem';
const PROBLEM_TYPE = 'application/problem+json';

interface Response {
  description?: string;
  content?: Record<string, { schema?: { $ref?: string } }>;
}
interface Operation {
  parameters?: { in?: string }[];
  requestBody?: unknown;
  responses?: Record<string, Response>;
}

const problem = (description: string): Response => ({
  description,
  content: { [PROBLEM_TYPE]: { schema: { $ref: PROBLEM_REF } } },
});

/** Rewrites the document (in place) so that its errors are declared as they are answered. */
export const problemResponses: OpenApiTransform = (doc) => {
  const paths = (doc as { paths?: Record<string, Record<string, Operation>> }).paths ?? {};
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      const responses = (operation.responses ??= {});
      for (const response of Object.values(responses)) {
        const json = response.content?.['application/json'];
        if (json?.schema?.$ref !== PROBLEM_REF) continue;
        response.content = { [PROBLEM_TYPE]: json };
      }
      const validated =
        operation.requestBody !== undefined || (operation.parameters ?? []).some((p) => p.in === 'query');
      if (validated && !responses['400'])
        responses['400'] = problem('The request is not valid: each offending field is in `errors`.');
      responses.default ??= problem(
        'Any other error, as RFC 9457 problem+json with a stable code (docs/errors.md): 413 a body too large, 415 a body that is not JSON, 429 too many requests (with Retry-After), 503 not ready or the store unavailable (with Retry-After), 500 an unexpected fault.',
      );
    }
  }
  return doc;
};
