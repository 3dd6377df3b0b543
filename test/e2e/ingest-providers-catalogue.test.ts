// Issue 3, end to end: the provider catalogue. GET /providers lists every template with its required fields and
// setup hints; a source created from a template stores the template's verifier, and bad input is refused with a
// precise path; a disabled source is indistinguishable from an unknown one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, createSource, deliver } from '../helpers/ingest.js';

const JSON_CT = { 'content-type': 'application/json' };

describe('the provider catalogue (SQLite)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  it('GET /providers lists every template with its required fields and setup hints', async () => {
    const res = await t.api.get(`${BASE}/providers`);
    expect(res.status).toBe(200);
    const ids = res.body.items.map((p: { id: string }) => p.id);
    expect(ids.length).toBeGreaterThanOrEqual(32);
    for (const id of [
      'github',
      'gitlab',
      'bitbucket',
      'stripe',
      'shopify',
      'slack',
      'twilio',
      'linear',
      'standard-webhooks',
      'svix',
      'clerk',
      'paddle',
      'square',
      'pagerduty',
      'zoom',
      'discord',
      'sendgrid',
      'mailgun',
      'typeform',
      'intercom',
      'hubspot',
      'jira',
      'vercel',
      'calendly',
      'woocommerce',
      'twitch',
      'meta',
      'microsoft-graph',
      'dropbox',
      'x',
    ]) {
      expect(ids, id).toContain(id);
    }
    for (const p of res.body.items) {
      expect(p.setupHints.length, p.id).toBeGreaterThan(0);
      expect(p.docsUrl, p.id).toMatch(/^https:\/\//);
    }
    expect(res.body.items.find((p: { id: string }) => p.id === 'square')).toMatchObject({
      verifierType: 'hmac',
      requiredFields: ['secret', 'notificationUrl'],
    });
  });

  it('a source from a template stores the template’s verifier; bad input is refused with its path', async () => {
    const created = await createSource(t, { slug: 'catalogued', provider: 'stripe', secret: 'whsec_x' });
    expect(created.verifier).toMatchObject({
      type: 'hmac',
      header: 'stripe-signature',
      signedContent: '{timestamp}.{body}',
    });
    const missing = await t.api.post(`${BASE}/sources`, { slug: 'sq', provider: 'square', secret: 'k' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([
      { path: '/options/notificationUrl', message: 'is required (a non-empty string)' },
    ]);
    const unknown = await t.api.post(`${BASE}/sources`, {
      slug: 'nope',
      provider: 'acme-payments',
      secret: 'k',
    });
    expect(unknown.body).toMatchObject({
      status: 400,
      code: 'EH_PROVIDER_UNKNOWN',
      detail: 'Unknown provider acme-payments: GET /providers lists them',
    });
    expect(unknown.body.errors).toEqual([
      { path: '/provider', message: 'is not a provider: GET /providers lists them' },
    ]);
    // A misspelt id (or one in another case, or with _ for -) names the provider it likely meant.
    for (const [provider, meant] of [
      ['githib', 'github'],
      ['GitHub', 'github'],
      ['google_pubsub', 'google-pubsub'],
    ]) {
      const typo = await t.api.post(`${BASE}/sources`, { slug: 'typo', provider, secret: 'k' });
      expect(typo.body, provider).toMatchObject({
        code: 'EH_PROVIDER_UNKNOWN',
        detail: `Unknown provider ${provider}: did you mean ${meant}?`,
        errors: [{ path: '/provider', message: `is not a provider: did you mean ${meant}?` }],
      });
    }
    const noSecret = await t.api.post(`${BASE}/sources`, { slug: 'shop2', provider: 'shopify' });
    expect(noSecret.body.errors).toEqual([{ path: '/secret', message: 'is required' }]);
  });

  it('a disabled source answers 404 exactly like an unknown one', async () => {
    await createSource(t, { slug: 'paused', provider: 'github', secret: 's', enabled: false });
    const disabled = await deliver(t, 'paused', { headers: JSON_CT, body: '{}' });
    const unknown = await deliver(t, 'never-created', { headers: JSON_CT, body: '{}' });
    expect(disabled.status).toBe(404);
    expect(disabled.json.detail).toBe('Source paused was not found');
    expect(unknown.json.detail).toBe('Source never-created was not found');
    expect((await t.api.patch(`${BASE}/sources/paused`, { enabled: true })).status).toBe(200);
    expect((await deliver(t, 'paused', { headers: JSON_CT, body: '{}' })).status).toBe(401);
  });
});
