// The basic_auth verifier: username from the config, password from the secrets.
import { describe, expect, it } from 'vitest';
import { createVerifier } from '../../../src/ingest/verifiers/index.js';
import { inbound } from '../fixtures.js';

const ctx = { now: 0, secrets: ['k3y'] };

describe('basic_auth verifier', () => {
  const v = createVerifier({ type: 'basic_auth', username: 'hooks' });
  const auth = (s: string) =>
    inbound({ headers: { authorization: `Basic ${Buffer.from(s).toString('base64')}` } });

  it('accepts the right user and password, rejects either wrong', async () => {
    expect(await v.verify(auth('hooks:k3y'), ctx)).toEqual({ ok: true });
    expect(await v.verify(auth('hooks:k3y:extra'), { now: 0, secrets: ['k3y:extra'] })).toEqual({ ok: true });
    expect(await v.verify(auth('other:k3y'), ctx)).toMatchObject({ reason: 'bad_credentials' });
    expect(await v.verify(auth('hooks:nope'), ctx)).toMatchObject({ reason: 'bad_credentials' });
  });

  it('says what is wrong with malformed credentials', async () => {
    expect(await v.verify(inbound({}), ctx)).toMatchObject({ reason: 'missing_credentials' });
    expect(await v.verify(inbound({ headers: { authorization: 'Bearer x' } }), ctx)).toMatchObject({
      reason: 'bad_encoding',
    });
    expect(await v.verify(auth('no-colon'), ctx)).toMatchObject({ reason: 'bad_encoding' });
  });
});
