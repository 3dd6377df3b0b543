// The api_key verifier: a key in a header (with or without an auth scheme), a query parameter, or body fields.
import { describe, expect, it } from 'vitest';
import { createVerifier } from '../../../src/ingest/verifiers/index.js';
import { inbound } from '../fixtures.js';

const ctx = { now: 0, secrets: ['k3y'] };

describe('api_key verifier', () => {
  it('checks a header, with or without an auth scheme', async () => {
    const plain = createVerifier({ type: 'api_key', name: 'X-Gitlab-Token' });
    expect(await plain.verify(inbound({ headers: { 'x-gitlab-token': 'k3y' } }), ctx)).toEqual({ ok: true });
    expect(await plain.verify(inbound({ headers: { 'x-gitlab-token': 'k3y ' } }), ctx)).toMatchObject({
      reason: 'bad_credentials',
    });
    expect(await plain.verify(inbound({}), ctx)).toMatchObject({ reason: 'missing_credentials' });
    const bearer = createVerifier({ type: 'api_key', name: 'authorization', scheme: 'Bearer' });
    expect(await bearer.verify(inbound({ headers: { authorization: 'bearer k3y' } }), ctx)).toEqual({
      ok: true,
    });
    expect(await bearer.verify(inbound({ headers: { authorization: 'k3y' } }), ctx)).toMatchObject({
      reason: 'bad_encoding',
    });
  });

  it('checks a query parameter, and accepts either secret during rotation', async () => {
    const v = createVerifier({ type: 'api_key', in: 'query', name: 'key' });
    const req = inbound({ url: 'https://h.example.com/in/s?key=old' });
    expect(await v.verify(req, { now: 0, secrets: ['new', 'old'] })).toEqual({ ok: true });
    expect((await v.verify(req, { now: 0, secrets: ['new'] })).ok).toBe(false);
  });

  it('checks every body value a wildcard path reaches (Graph clientState)', async () => {
    const v = createVerifier({ type: 'api_key', in: 'body', name: 'value.*.clientState' });
    const body = (...states: string[]) =>
      JSON.stringify({ value: states.map((clientState) => ({ clientState })) });
    const req = (b: string) => inbound({ headers: { 'content-type': 'application/json' }, body: b });
    expect(await v.verify(req(body('k3y', 'k3y')), ctx)).toEqual({ ok: true });
    expect(await v.verify(req(body('k3y', 'forged')), ctx)).toMatchObject({ reason: 'bad_credentials' });
    expect(await v.verify(req(body()), ctx)).toMatchObject({ reason: 'missing_credentials' });
    expect(await v.verify(req('{"value":[{"clientState":7}]}'), ctx)).toMatchObject({
      reason: 'missing_credentials',
    });
  });
});
