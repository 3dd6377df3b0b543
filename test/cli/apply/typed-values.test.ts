// What apply converts before sending: text (a `${VAR}`) where a field takes a number or a boolean, and nothing else.
import { describe, expect, it } from 'vitest';
import { typedValues } from '../../../src/cli/apply/typed-values.js';
import { SourceSettingsSchema } from '../../../src/ingest/source-settings.js';
import { WorkflowTarget } from '../../../src/targets/target-schema.js';

describe('typedValues', () => {
  it('reads numbers and booleans written as text, where the schema takes them', () => {
    expect(
      typedValues(WorkflowTarget, {
        type: 'workflow',
        kind: 'k',
        retry: { maxAttempts: '3', schedule: ['5s'] },
      }),
    ).toEqual({ type: 'workflow', kind: 'k', retry: { maxAttempts: 3, schedule: ['5s'] } });
    expect(
      typedValues(SourceSettingsSchema, {
        slug: 's',
        dedupWindowSeconds: '3600',
        rateLimit: { perSecond: '2.5', burst: '10' },
        storeRejected: 'true',
        ipAllowList: ['10.0.0.0/8'],
      }),
    ).toEqual({
      slug: 's',
      dedupWindowSeconds: 3600,
      rateLimit: { perSecond: 2.5, burst: 10 },
      storeRejected: true,
      ipAllowList: ['10.0.0.0/8'],
    });
  });

  it('leaves text that reads as nothing else, numbers where text belongs, and fields it has no schema for', () => {
    const target = {
      type: 'workflow',
      kind: 123,
      queue: 'fast',
      retry: { maxAttempts: 'three' },
      extra: '1',
    };
    expect(typedValues(WorkflowTarget, target)).toEqual(target);
    expect(typedValues(SourceSettingsSchema, { storeRejected: 'yes', bodyLimit: '1MiB' })).toEqual({
      storeRejected: 'yes',
      bodyLimit: '1MiB',
    });
  });
});
