// How a server's problem reads on the command line: a field error names the option or argument the user gave for
// that field, and only a top-level field (a field nested in a value the user wrote keeps its path).
import { describe, expect, it } from 'vitest';
import { problemError } from '../../src/cli/client.js';
import { describeIssues, type FieldIssue } from '../../src/core/errors.js';

const names = new Map([
  ['expiresAt', '--expires-at'],
  ['types', '--types'],
  ['subject', '--subject'],
  ['name', '<name>'],
]);
const answer = (errors: FieldIssue[], detail?: string) =>
  new Response(
    JSON.stringify({
      code: 'EH_X_INVALID',
      detail: detail ?? describeIssues(errors),
      errors,
    }),
    { status: 400 },
  );
const shown = async (res: Response) => {
  const err = await problemError('POST', '/x', res, names);
  return [err.message, ...err.details];
};

describe('problemError', () => {
  it('names the option or argument of a top-level field, with or without an index', async () => {
    expect(await shown(answer([{ path: '/expiresAt', message: 'must be in the future' }]))).toEqual([
      '--expires-at: must be in the future [EH_X_INVALID]',
    ]);
    expect(
      await shown(
        answer([
          { path: '/types/1', message: 'is not a type' },
          { path: '/name', message: 'is too long' },
        ]),
      ),
    ).toEqual(['2 fields are not valid [EH_X_INVALID]', '--types: is not a type', '<name>: is too long']);
  });

  it('keeps the path of a nested field, of a field no option fills, and of a header', async () => {
    expect(
      await shown(
        answer([
          { path: '/data/subject', message: 'must be a string' },
          { path: '/retry', message: 'must be an object' },
          { in: 'header', path: '/subject', message: 'is not allowed' },
        ]),
      ),
    ).toEqual([
      '3 fields are not valid [EH_X_INVALID]',
      '/data/subject: must be a string',
      '/retry: must be an object',
      'header subject: is not allowed',
    ]);
  });

  it('rewords the field in a detail that says more than the field error', async () => {
    expect(
      await shown(
        answer(
          [{ path: '/expiresAt', message: 'must be in the future' }],
          'The key was not made: /expiresAt: must be in the future',
        ),
      ),
    ).toEqual(['The key was not made: --expires-at: must be in the future [EH_X_INVALID]']);
  });
});
