// The token verifier: a secret in the query or the last path segment.
import { describe, expect, it } from 'vitest';
import { createVerifier } from '../../../src/ingest/verifiers/index.js';
import { inbound } from '../fixtures.js';

const ctx = { now: 0, secrets: ['k3y'] };

describe('token verifier', () => {
  it('reads the token from the query (default parameter "token")', async () => {
    const v = createVerifier({ type: 'token' });
    expect(await v.verify(inbound({ url: 'https://h.example.com/in/s?token=k3y' }), ctx)).toEqual({
      ok: true,
    });
    expect(await v.verify(inbound({ url: 'https://h.example.com/in/s?token=bad' }), ctx)).toMatchObject({
      reason: 'bad_credentials',
    });
    expect(await v.verify(inbound({ url: 'https://h.example.com/in/s' }), ctx)).toMatchObject({
      reason: 'missing_credentials',
    });
  });

  it('reads the token from the last path segment', async () => {
    const v = createVerifier({ type: 'token', in: 'path' });
    expect(await v.verify(inbound({ url: 'https://h.example.com/in/s/k3y' }), ctx)).toEqual({ ok: true });
    expect(await v.verify(inbound({ url: 'https://h.example.com/in/s' }), ctx)).toMatchObject({
      reason: 'bad_credentials',
    });
  });
});
