// Changing a source's verifier with PATCH, in both directions between one with a secret and `none`: the secret
// verifying now is kept where the new verifier takes one, dropped where it takes none, and a verifier that needs a
// secret the source does not have is refused with the field to give it in (a PATCH answer never shows a secret, so
// one made up here would verify nothing).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, createSource, deliver, githubPushHeaders } from '../helpers/ingest.js';

describe('changing a source between a verifier with a secret and none', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  const body = JSON.stringify({ ref: 'refs/heads/main' });

  it('switches an HMAC source to none: the old secret goes, unsigned requests are taken', async () => {
    await createSource(t, { slug: 'gh-none', provider: 'github', secret: 'it-is-a-secret' });
    expect((await deliver(t, 'gh-none', { body })).status).toBe(401);

    const patched = await t.api.patch(`${BASE}/sources/gh-none`, {
      provider: 'custom',
      verifier: { type: 'none' },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.verifier).toEqual({ type: 'none' });
    expect(patched.body.secrets ?? []).toEqual([]);
    expect(
      (await deliver(t, 'gh-none', { body, headers: { 'content-type': 'application/json' } })).status,
    ).toBe(200);
  });

  it('switches a none source to HMAC with a secret, which then verifies', async () => {
    await createSource(t, { slug: 'open', provider: 'custom', verifier: { type: 'none' } });
    const patched = await t.api.patch(`${BASE}/sources/open`, { provider: 'github', secret: 'now-signed' });
    expect(patched.status, patched.text).toBe(200);
    expect((await deliver(t, 'open', { body })).status).toBe(401);
    const signed = await deliver(t, 'open', {
      body,
      headers: await githubPushHeaders('now-signed', body, 'd-1'),
    });
    expect(signed.status).toBe(200);
  });

  it('refuses switching a none source to a verifier that needs a secret without one', async () => {
    await createSource(t, { slug: 'bare', provider: 'custom', verifier: { type: 'none' } });
    const patched = await t.api.patch(`${BASE}/sources/bare`, {
      verifier: { type: 'hmac', header: 'x-sig', algorithm: 'sha256', encoding: 'hex' },
    });
    expect(patched.status).toBe(400);
    expect(patched.body.errors).toEqual([{ path: '/verifier/secret', message: 'is required' }]);
    // Nothing changed: still taken unverified.
    expect((await deliver(t, 'bare', { body, headers: { 'content-type': 'application/json' } })).status).toBe(
      200,
    );
  });
});
