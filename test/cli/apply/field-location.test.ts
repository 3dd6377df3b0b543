// Where a field the server names lies in an apply file that spells it its own way.
import { describe, expect, it } from 'vitest';
import { apiPathSegments, fileFieldPath } from '../../../src/cli/apply/field-location.js';

describe('apiPathSegments', () => {
  it('reads the API path forms, without the request part', () => {
    for (const path of ['body/targets/0/kind', '/targets/0/kind', 'targets[0].kind', 'body.targets[0].kind'])
      expect(apiPathSegments(path), path).toEqual(['targets', 0, 'kind']);
    expect(apiPathSegments('')).toEqual([]);
  });
});

describe('fileFieldPath', () => {
  it('follows the file: a target field under config, one secret, a grant’s from and types', () => {
    const wrapped = { targets: [{ type: 'workflow', config: { kind: 'x' } }] };
    expect(fileFieldPath(wrapped, ['rules', 1], '/targets/0/kind')).toEqual([
      'rules',
      1,
      'targets',
      0,
      'config',
      'kind',
    ]);
    const flat = { targets: [{ type: 'workflow', kind: 'x' }] };
    expect(fileFieldPath(flat, ['rules', 1], 'body/targets/0/kind')).toEqual([
      'rules',
      1,
      'targets',
      0,
      'kind',
    ]);
    expect(fileFieldPath({ secret: 'whsec_x' }, ['endpoints', 0], '/secrets/0')).toEqual([
      'endpoints',
      0,
      'secret',
    ]);
    expect(fileFieldPath({ secrets: ['whsec_x'] }, ['endpoints', 0], '/secrets/0')).toEqual([
      'endpoints',
      0,
      'secrets',
      0,
    ]);
    expect(fileFieldPath({ from: 'b', types: ['a'] }, ['grants', 2], '/eventTypes/0')).toEqual([
      'grants',
      2,
      'types',
      0,
    ]);
    expect(fileFieldPath({ from: 'b' }, ['grants', 2], '/fromOrg')).toEqual(['grants', 2, 'from']);
  });
});
