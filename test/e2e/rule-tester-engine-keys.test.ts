// POST /rules/test shows the idempotency key the engine is sent: with Flovyn, a key over its 255 bytes as the
// `sha256:` digest Flovyn gets, not the expression's raw value; with the local engine, which keeps any key, the key.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const base = '/api/orgs/default/eventhook';
const long = '日'.repeat(100); // 100 characters, 300 bytes
const digest = `sha256:${createHash('sha256').update(long).digest('hex')}`;

describe('the rule tester’s idempotency keys', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const keysShown = async (app: TestApp) => {
    const res = await app.api.post(`${base}/rules/test`, {
      pattern: { type: ['key.probe'] },
      targets: [{ type: 'workflow', kind: 'wf', idempotencyKey: 'data.key' }],
      event: { type: 'key.probe', source: 'app', data: { key: long } },
    });
    expect(res.status, res.text).toBe(200);
    return (res.body.targets as { idempotencyKey?: string }[]).map((x) => x.idempotencyKey);
  };

  it('shows the digest Flovyn is sent for a key over its limit', async () => {
    t = await startTestApp('sqlite', {
      env: {
        EVENTHOOK_ENGINE: 'flovyn',
        // Never called: testing a rule calls no engine.
        EVENTHOOK_FLOVYN_URL: 'http://127.0.0.1:9',
        EVENTHOOK_FLOVYN_TOKEN: 'flovyn_sk_test_0123456789',
      },
    });
    expect(await keysShown(t)).toEqual([digest]);
  });

  it('shows the key itself with the local engine', async () => {
    t = await startTestApp('sqlite');
    expect(await keysShown(t)).toEqual([long]);
  });
});
