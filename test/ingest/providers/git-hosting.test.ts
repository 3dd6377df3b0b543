// GitHub (signed by @octokit/webhooks-methods), Bitbucket (same format, plus node:crypto) and GitLab (token).
import { createHmac } from 'node:crypto';
import { sign, verify } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { inbound, tamper, withHeaders } from '../fixtures.js';
import { extracted, provider, verifyAs } from './provider-harness.js';

const SECRET = "It's a Secret to Everybody";
const PR = JSON.stringify({
  action: 'opened',
  number: 7,
  repository: { full_name: 'octo/hello' },
  sender: { login: 'u' },
});

describe('github', () => {
  const req = async (body = PR, secret = SECRET) =>
    inbound({
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        'x-hub-signature-256': await sign(secret, body),
      },
      body,
    });

  it('accepts a request signed by octokit and rejects a tampered or foreign one', async () => {
    expect(await verifyAs('github', await req(), [SECRET])).toEqual({ ok: true });
    expect(await verifyAs('github', tamper(await req()), [SECRET])).toMatchObject({
      reason: 'no_matching_signature',
    });
    expect((await verifyAs('github', await req(PR, 'other'), [SECRET])).ok).toBe(false);
  });

  it('rejects a signature without its sha256= prefix', async () => {
    const r = await req();
    const bare = withHeaders(r, { 'x-hub-signature-256': (r.headers['x-hub-signature-256'] ?? '').slice(7) });
    expect(await verifyAs('github', bare, [SECRET])).toMatchObject({ reason: 'bad_encoding' });
  });

  it('verifies during rotation with either secret', async () => {
    expect(await verifyAs('github', await req(PR, 'old'), ['new', 'old'])).toEqual({ ok: true });
  });

  it('its sample passes octokit verify', async () => {
    const s = provider('github').sample({ secret: SECRET, url: 'https://x', now: Date.now() });
    expect(await verify(SECRET, s.body, s.headers['x-hub-signature-256'] ?? '')).toBe(true);
  });

  it('verifies legacy SHA-1 X-Hub-Signature when asked', async () => {
    const sig = `sha1=${createHmac('sha1', SECRET).update(PR).digest('hex')}`;
    const r = inbound({ headers: { 'x-hub-signature': sig }, body: PR });
    expect(await verifyAs('github', r, [SECRET], { options: { legacySha1: true } })).toEqual({ ok: true });
    expect((await verifyAs('github', r, [SECRET])).ok).toBe(false);
  });

  it('types events as header event + action, subject the repository, dedup on X-GitHub-Delivery', async () => {
    expect(extracted('github', await req())).toMatchObject({
      type: 'pull_request.opened',
      subject: 'octo/hello',
      key: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    });
    const push = withHeaders(await req('{"ref":"refs/heads/main"}'), { 'x-github-event': 'push' });
    expect(extracted('github', push).type).toBe('push');
  });
});

describe('bitbucket', () => {
  const BODY = '{"repository":{"full_name":"ws/repo"},"push":{"changes":[]}}';
  const req = (sig: string) =>
    inbound({
      headers: {
        'content-type': 'application/json',
        'x-hub-signature': sig,
        'x-event-key': 'repo:push',
        'x-request-uuid': 'r-1',
      },
      body: BODY,
    });

  it('accepts octokit-format and node:crypto signatures, rejects tampering', async () => {
    expect(await verifyAs('bitbucket', req(await sign(SECRET, BODY)), [SECRET])).toEqual({ ok: true });
    const hand = `sha256=${createHmac('sha256', SECRET).update(BODY).digest('hex')}`;
    expect(await verifyAs('bitbucket', req(hand), [SECRET])).toEqual({ ok: true });
    expect((await verifyAs('bitbucket', tamper(req(hand)), [SECRET])).ok).toBe(false);
  });

  it('types events from X-Event-Key and dedups on X-Request-UUID', async () => {
    expect(extracted('bitbucket', req('x'))).toMatchObject({
      type: 'repo:push',
      subject: 'ws/repo',
      key: 'r-1',
    });
  });
});

describe('gitlab', () => {
  const BODY =
    '{"object_kind":"merge_request","object_attributes":{"action":"open"},"project":{"path_with_namespace":"g/p"}}';
  const req = (token?: string) =>
    inbound({
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { 'x-gitlab-token': token }),
        'x-gitlab-event': 'Merge Request Hook',
        'idempotency-key': 'idem-1',
        'x-gitlab-event-uuid': 'uuid-1',
      },
      body: BODY,
    });

  it('compares X-Gitlab-Token to the secret', async () => {
    expect(await verifyAs('gitlab', req(SECRET), [SECRET])).toEqual({ ok: true });
    expect(await verifyAs('gitlab', req('guess'), [SECRET])).toMatchObject({ reason: 'bad_credentials' });
    expect(await verifyAs('gitlab', req(), [SECRET])).toMatchObject({ reason: 'missing_credentials' });
  });

  it('types events by object_kind + action and prefers Idempotency-Key for dedup', () => {
    expect(extracted('gitlab', req(SECRET))).toMatchObject({
      type: 'merge_request.open',
      subject: 'g/p',
      key: 'idem-1',
    });
  });

  it('verifies the Standard Webhooks signing token when switched on', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const now = Date.now();
    const sig = new Webhook(secret).sign('idem-1', new Date(now), BODY);
    const r = inbound({
      headers: {
        'webhook-id': 'idem-1',
        'webhook-timestamp': String(Math.floor(now / 1000)),
        'webhook-signature': sig,
      },
      body: BODY,
    });
    expect(await verifyAs('gitlab', r, [secret], { now, options: { signingToken: true } })).toEqual({
      ok: true,
    });
    expect((await verifyAs('gitlab', tamper(r), [secret], { now, options: { signingToken: true } })).ok).toBe(
      false,
    );
  });
});
