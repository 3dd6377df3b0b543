// Issue 3, end to end, on SQLite and PostgreSQL: secret rotation over HTTP (old and new secrets both verify during
// the grace period, only the new one after it) and the dedup window (a redelivery inside it is answered with the
// first event id, after it becomes a new event), and who chooses the secret: a rotation without one is refused where
// the provider issues it. Time is a ManualClock, so nothing sleeps.
import { sign } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { backendAvailable, BACKENDS, startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, createSource, deliver, type Delivered } from '../helpers/ingest.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`secret rotation and dedup windows — ${backend}`, () => {
    let t: TestApp;
    const clock = new ManualClock(Date.UTC(2026, 2, 1, 12));
    let n = 0;

    beforeAll(async () => {
      t = await startTestApp(backend, { clock });
    });
    afterAll(async () => t?.close());

    /** A GitHub push signed with `secret`; a fresh delivery id unless one is given. */
    async function push(
      slug: string,
      secret: string,
      delivery = `delivery-${backend}-${++n}`,
    ): Promise<Delivered> {
      const body = `{"ref":"refs/heads/main","n":${n}}`;
      return deliver(t, slug, {
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': delivery,
          'x-hub-signature-256': await sign(secret, body),
        },
        body,
      });
    }

    it('both secrets verify during the default 24 h grace, only the new one after it', async () => {
      await createSource(t, { slug: 'rotating', provider: 'github', secret: 'old-secret' });
      expect((await push('rotating', 'old-secret')).status).toBe(200);
      const rotated = await t.api.post(`${BASE}/sources/rotating/rotate-secret`, { secret: 'new-secret' });
      expect(rotated.status).toBe(200);
      const expiry = new Date(clock.now() + DAY).toISOString();
      expect(rotated.body.secrets).toEqual([
        { id: expect.stringMatching(/^sec_/), createdAt: expect.any(String), expiresAt: null },
        { id: expect.stringMatching(/^sec_/), createdAt: expect.any(String), expiresAt: expiry },
      ]);
      expect((await push('rotating', 'new-secret')).status).toBe(200);
      expect((await push('rotating', 'old-secret')).status).toBe(200);
      clock.advance(DAY - 1_000);
      expect((await push('rotating', 'old-secret')).status).toBe(200);
      clock.advance(2_000);
      expect((await push('rotating', 'old-secret')).status).toBe(401);
      expect((await push('rotating', 'new-secret')).status).toBe(200);
      // The expired secret verifies nothing, so it is not listed either.
      const after = await t.api.get(`${BASE}/sources/rotating`);
      expect(after.body.secrets).toEqual([rotated.body.secrets[0]]);
      expect((await t.api.get(`${BASE}/sources`)).body.items[0].secrets).toHaveLength(1);
      expect((await push('rotating', 'unrelated')).status).toBe(401);
    });

    it('rotations at once: each secret answered 200 verifies; a rotation that lost the race says 409, storing nothing', async () => {
      await createSource(t, { slug: 'racing', provider: 'github', secret: 'first' });
      const chosen = ['second', 'third', 'fourth'];
      const answers = await Promise.all(
        chosen.map((secret) => t.api.post(`${BASE}/sources/racing/rotate-secret`, { secret })),
      );
      for (const a of answers) expect([200, 409], a.text).toContain(a.status);
      expect(answers.some((a) => a.status === 200)).toBe(true);
      for (const [i, a] of answers.entries()) {
        if (a.status === 409) expect(a.body.code).toBe('EH_CONCURRENT_CHANGE');
        // A secret the API accepted must verify; one it refused must not.
        expect((await push('racing', chosen[i]!)).status).toBe(a.status === 200 ? 200 : 401);
      }
      expect((await push('racing', 'first')).status).toBe(200);
    });

    it('a chosen grace period (0 ends the old secret at once); a generated secret is shown once and verifies', async () => {
      await createSource(t, {
        slug: 'custom',
        verifier: { type: 'hmac', header: 'x-hub-signature-256', prefix: 'sha256=' },
        secret: 'first',
      });
      const res = await t.api.post(`${BASE}/sources/custom/rotate-secret`, { graceSeconds: 0 });
      expect(res.status).toBe(200);
      const generated = res.body.generatedSecret as string;
      expect(generated.length).toBeGreaterThanOrEqual(32);
      expect((await push('custom', generated)).status).toBe(200);
      expect((await push('custom', 'first')).status).toBe(401);
      expect((await t.api.get(`${BASE}/sources/custom`)).body.generatedSecret).toBeUndefined();

      const short = await t.api.post(`${BASE}/sources/custom/rotate-secret`, {
        secret: 'third',
        graceSeconds: 60,
      });
      expect(short.status).toBe(200);
      expect((await push('custom', generated)).status).toBe(200);
      clock.advance(61_000);
      expect((await push('custom', generated)).status).toBe(401);
      expect((await push('custom', 'third')).status).toBe(200);

      await createSource(t, { slug: 'open', verifier: { type: 'none' } });
      const none = await t.api.post(`${BASE}/sources/open/rotate-secret`, {});
      expect(none.status).toBe(400);
      expect(none.body).toMatchObject({ code: 'EH_SOURCE_INVALID' });
    });

    it('a provider that issues the secret (Stripe) refuses a rotation without one: 400, and the secret it shows keeps verifying', async () => {
      await createSource(t, { slug: 'stripe', provider: 'stripe', secret: 'whsec_first' });
      const stripePost = (secret: string) => {
        const body = JSON.stringify({ id: `evt_${++n}`, type: 'charge.succeeded', data: { object: {} } });
        const header = Stripe.webhooks.generateTestHeaderString({
          payload: body,
          secret,
          timestamp: Math.floor(clock.now() / 1000),
        });
        return deliver(t, 'stripe', {
          headers: { 'content-type': 'application/json', 'stripe-signature': header },
          body,
        });
      };
      for (const body of [undefined, {}, { graceSeconds: 0 }]) {
        const res = await t.api.post(`${BASE}/sources/stripe/rotate-secret`, body);
        expect(res.status, res.text).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({
          code: 'EH_SOURCE_SECRET_REQUIRED',
          detail:
            'Stripe issues the secret of source stripe itself, so one Eventhook made up would verify nothing: ' +
            'give the new secret Stripe shows as secret',
          errors: [
            { path: '/secret', message: expect.stringContaining('paste the new secret Stripe shows') },
          ],
        });
        expect(res.body.generatedSecret).toBeUndefined();
      }
      // Nothing changed: one secret, without an end, which verifies long after any grace period.
      const source = await t.api.get(`${BASE}/sources/stripe`);
      expect(source.body.secretChosenBy).toBe('provider');
      expect(source.body.secrets).toEqual([expect.objectContaining({ expiresAt: null })]);
      clock.advance(2 * DAY);
      expect((await stripePost('whsec_first')).status).toBe(200);

      // The new secret Stripe shows rotates as before.
      const rotated = await t.api.post(`${BASE}/sources/stripe/rotate-secret`, {
        secret: 'whsec_second',
        graceSeconds: 60,
      });
      expect(rotated.status, rotated.text).toBe(200);
      expect(rotated.body.generatedSecret).toBeUndefined();
      expect((await stripePost('whsec_second')).status).toBe(200);
      expect((await stripePost('whsec_first')).status).toBe(200);
      clock.advance(61_000);
      expect((await stripePost('whsec_first')).status).toBe(401);
    });

    it('who chooses the secret, per provider: rotation generates one only where you choose it', async () => {
      const providers = (await t.api.get(`${BASE}/providers`)).body.items as {
        id: string;
        secretChosenBy: string | null;
      }[];
      const chosenBy = Object.fromEntries(providers.map((p) => [p.id, p.secretChosenBy]));
      expect(chosenBy).toEqual({
        github: 'user',
        gitlab: 'user',
        bitbucket: 'user',
        stripe: 'provider',
        paddle: 'provider',
        square: 'provider',
        shopify: 'provider',
        woocommerce: 'user',
        slack: 'provider',
        discord: 'provider',
        twilio: 'provider',
        meta: 'provider',
        intercom: 'provider',
        sendgrid: 'provider',
        mailgun: 'provider',
        linear: 'provider',
        jira: 'user',
        pagerduty: 'provider',
        vercel: 'provider',
        zoom: 'provider',
        typeform: 'user',
        hubspot: 'provider',
        calendly: 'user',
        'standard-webhooks': 'provider',
        svix: 'provider',
        clerk: 'provider',
        resend: 'provider',
        twitch: 'user',
        'microsoft-graph': 'user',
        dropbox: 'provider',
        x: 'provider',
        'google-pubsub': null,
      });

      const cases: { slug: string; input: Record<string, unknown>; chooser: string; name?: string }[] = [
        {
          slug: 'c-shopify',
          input: { provider: 'shopify', secret: 'shpss_1' },
          chooser: 'provider',
          name: 'Shopify',
        },
        {
          slug: 'c-slack',
          input: { provider: 'slack', secret: 'slack-1' },
          chooser: 'provider',
          name: 'Slack',
        },
        {
          slug: 'c-svix',
          input: { provider: 'svix', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
          chooser: 'provider',
          name: 'Svix',
        },
        {
          slug: 'c-twilio',
          input: { provider: 'twilio', secret: 'auth-token' },
          chooser: 'provider',
          name: 'Twilio',
        },
        {
          slug: 'c-jira-app',
          input: { provider: 'jira', secret: 'shared', options: { mode: 'connect' } },
          chooser: 'provider',
          name: 'Jira',
        },
        { slug: 'c-typeform', input: { provider: 'typeform', secret: 'tf-1' }, chooser: 'user' },
        { slug: 'c-jira-admin', input: { provider: 'jira', secret: 'admin-1' }, chooser: 'user' },
        { slug: 'c-woo', input: { provider: 'woocommerce', secret: 'wc-1' }, chooser: 'user' },
        {
          slug: 'c-custom',
          input: { verifier: { type: 'hmac', header: 'x-sig' }, secret: 'mine' },
          chooser: 'user',
        },
        { slug: 'c-open', input: { verifier: { type: 'none' } }, chooser: 'null' },
      ];
      for (const c of cases) {
        const made = await createSource(t, { slug: c.slug, ...c.input });
        expect(String(made.secretChosenBy), c.slug).toBe(c.chooser);
        const res = await t.api.post(`${BASE}/sources/${c.slug}/rotate-secret`, {});
        if (c.chooser === 'provider') {
          expect(res.status, c.slug).toBe(400);
          expect(res.body.code, c.slug).toBe('EH_SOURCE_SECRET_REQUIRED');
          expect(res.body.detail, c.slug).toContain(`give the new secret ${c.name} shows`);
          const given = await t.api.post(`${BASE}/sources/${c.slug}/rotate-secret`, {
            secret: 'whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=',
          });
          expect(given.status, `${c.slug}: ${given.text}`).toBe(200);
        } else if (c.chooser === 'user') {
          expect(res.status, `${c.slug}: ${res.text}`).toBe(200);
          expect(res.body.generatedSecret, c.slug).toEqual(expect.any(String));
        } else {
          expect(res.body.code, c.slug).toBe('EH_SOURCE_INVALID');
        }
      }
    });

    it('creation without a secret generates one where you choose it, shown once; where the provider issues it, 400', async () => {
      for (const input of [
        { slug: 'n-github', provider: 'github' },
        { slug: 'n-gitlab', provider: 'gitlab' },
        { slug: 'n-typeform', provider: 'typeform' },
        { slug: 'n-jira-admin', provider: 'jira' },
      ]) {
        const res = await t.api.post(`${BASE}/sources`, input);
        expect(res.status, `${input.slug}: ${res.text}`).toBe(201);
        expect(res.body.secretChosenBy, input.slug).toBe('user');
        expect(res.body.generatedSecret, input.slug).toMatch(/^[A-Za-z0-9_-]{32}$/);
        expect(res.body.secrets, input.slug).toEqual([expect.objectContaining({ expiresAt: null })]);
        // Shown in the create response only, never again.
        const again = await t.api.get(`${BASE}/sources/${input.slug}`);
        expect(again.text).not.toContain(res.body.generatedSecret);
        expect((await t.api.get(`${BASE}/sources`)).text).not.toContain(res.body.generatedSecret);
        if (input.provider === 'github') {
          expect((await push('n-github', res.body.generatedSecret as string)).status).toBe(200);
          expect((await push('n-github', 'another-secret')).status).toBe(401);
        }
      }
      // A secret given is kept, and nothing is generated.
      const given = await t.api.post(`${BASE}/sources`, {
        slug: 'n-given',
        provider: 'github',
        secret: 'mine',
      });
      expect(given.status).toBe(201);
      expect(given.body.generatedSecret).toBeUndefined();
      expect((await push('n-given', 'mine')).status).toBe(200);
      // Provider-issued secrets stay required.
      for (const input of [
        { slug: 'n-stripe', provider: 'stripe' },
        { slug: 'n-slack', provider: 'slack' },
        { slug: 'n-jira-app', provider: 'jira', options: { mode: 'connect' } },
      ]) {
        const res = await t.api.post(`${BASE}/sources`, input);
        expect(res.status, input.slug).toBe(400);
        expect(res.body, input.slug).toMatchObject({
          code: 'EH_SOURCE_INVALID',
          errors: [{ path: '/secret', message: 'is required' }],
        });
        expect(res.body.generatedSecret).toBeUndefined();
        expect((await t.api.get(`${BASE}/sources/${input.slug}`)).status).toBe(404);
      }
    });

    it('a redelivery inside the source’s dedup window is the same event; after it, a new one', async () => {
      await createSource(t, { slug: 'hourly', provider: 'github', secret: 's', dedupWindowSeconds: 3600 });
      const first = await push('hourly', 's', 'same-delivery');
      expect(first.json).toMatchObject({ duplicate: false });
      clock.advance(HOUR - 1_000);
      expect((await push('hourly', 's', 'same-delivery')).json).toEqual({
        eventId: first.json.eventId,
        duplicate: true,
      });
      clock.advance(2_000);
      const later = await push('hourly', 's', 'same-delivery');
      expect(later.json).toMatchObject({ duplicate: false });
      expect(later.json.eventId).not.toBe(first.json.eventId);
      // The new event opens a new window.
      expect((await push('hourly', 's', 'same-delivery')).json).toEqual({
        eventId: later.json.eventId,
        duplicate: true,
      });
    });

    it('the default window is 7 days, and keys are per source', async () => {
      await createSource(t, { slug: 'weekly', provider: 'github', secret: 's' });
      await createSource(t, { slug: 'other', provider: 'github', secret: 's' });
      const first = await push('weekly', 's', 'weekly-delivery');
      const elsewhere = await push('other', 's', 'weekly-delivery');
      expect(elsewhere.json.duplicate).toBe(false);
      expect(elsewhere.json.eventId).not.toBe(first.json.eventId);
      clock.advance(7 * DAY - 1_000);
      expect((await push('weekly', 's', 'weekly-delivery')).json).toEqual({
        eventId: first.json.eventId,
        duplicate: true,
      });
      clock.advance(2_000);
      expect((await push('weekly', 's', 'weekly-delivery')).json.duplicate).toBe(false);
    });

    it('concurrent redeliveries of one delivery commit one event', async () => {
      await createSource(t, { slug: 'burst', provider: 'github', secret: 's' });
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => push('burst', 's', 'burst-delivery')),
      );
      const ids = new Set(answers.map((a) => a.json.eventId));
      expect(ids.size).toBe(1);
      expect(answers.filter((a) => a.json.duplicate === false)).toHaveLength(1);
    });
  });
}
