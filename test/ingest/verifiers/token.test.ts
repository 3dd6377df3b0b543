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

  it('reads the token from the last path segment after the source', async () => {
    const v = createVerifier({ type: 'token', in: 'path' });
    const at = (path: string) => v.verify(inbound({ url: `https://h.example.com${path}` }), ctx);
    expect(await at('/api/orgs/acme/eventhook/in/s/k3y')).toEqual({ ok: true });
    expect(await at('/api/orgs/acme/eventhook/in/s/k3y?x=1')).toEqual({ ok: true });
    expect(await at('/api/orgs/acme/eventhook/in/s/bad')).toMatchObject({ reason: 'bad_credentials' });
    // The bare ingest URL carries no token at all: the source's own slug is not taken for a wrong one.
    expect(await at('/api/orgs/acme/eventhook/in/k3y')).toMatchObject({ reason: 'missing_credentials' });
    expect(await at('/api/orgs/acme/eventhook/in/s/')).toMatchObject({ reason: 'missing_credentials' });
    // An org or source named like the route's own segments does not confuse it.
    expect(await at('/api/orgs/eventhook/eventhook/in/in/k3y')).toEqual({ ok: true });
    expect(await at('/api/orgs/in/eventhook/in/s')).toMatchObject({ reason: 'missing_credentials' });
    // A sample URL of another shape counts from its last segment.
    expect(await at('/hooks/k3y')).toEqual({ ok: true });
  });
});
