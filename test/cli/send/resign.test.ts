// `send --body`: a custom body re-signed the way each provider signs, checked with the providers' own libraries.
import { verify as verifyGithub } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { getProvider, providerVerifierConfig } from '../../../src/ingest/providers/index.js';
import { resignSample } from '../../../src/cli/send/resign.js';

const URL = 'https://hooks.example.com/api/orgs/default/eventhook/in/src';
const BODY = JSON.stringify({ id: 'evt_custom', type: 'custom.thing', data: { object: { id: 'x_1' } } });

async function resign(provider: string, secret: string, options: Record<string, unknown> = {}) {
  const now = Date.now();
  const sample = getProvider(provider)!.sample({ secret, url: URL, now, options });
  return resignSample({
    provider,
    sample,
    body: BODY,
    config: providerVerifierConfig(provider, options),
    secret,
    url: URL,
    now,
  });
}

describe('resignSample', () => {
  it('GitHub: a new X-Hub-Signature-256 over the new body', async () => {
    const out = await resign('github', 'gh-secret');
    expect(out.body).toBe(BODY);
    expect(await verifyGithub('gh-secret', BODY, out.headers['x-hub-signature-256']!)).toBe(true);
  });

  it('Stripe: the key=value header keeps its timestamp and gets a new v1 signature', async () => {
    const secret = 'whsec_test_secret';
    const out = await resign('stripe', secret);
    const event = Stripe.webhooks.constructEvent(BODY, out.headers['stripe-signature']!, secret);
    expect(event.id).toBe('evt_custom');
  });

  it('Standard Webhooks: webhook-signature over id.timestamp.body', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const out = await resign('standard-webhooks', secret);
    expect(new Webhook(secret).verify(BODY, out.headers)).toEqual(JSON.parse(BODY));
  });

  it('a verifier that does not sign the body (GitLab token) just carries the new body', async () => {
    const out = await resign('gitlab', 'gl-token');
    expect(out.body).toBe(BODY);
    expect(out.headers['x-gitlab-token']).toBe('gl-token');
  });

  it('refuses, clearly, a scheme it cannot reproduce', async () => {
    await expect(resign('twilio', 'tw-token')).rejects.toThrow('--body is not supported for twilio');
  });
});
