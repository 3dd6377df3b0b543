// Every provider template: its sample verifies with its own verifier, a tampered body or a foreign secret does not,
// its defaults are valid, GET /providers data is complete, and docs/providers.md has a section for it.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicKey } from 'node:crypto';
import { validateIdempotencyKeyPath } from '../../../src/ingest/extract.js';
import {
  getProvider,
  listProviders,
  providerVerifierConfig,
  secretChooserOf,
  summarizeProvider,
} from '../../../src/ingest/providers/index.js';
import { createVerifier } from '../../../src/ingest/verifiers/index.js';
import { ed25519Keys, fromSample, p256Keys, rsaKeys, tamper, URL_BASE } from '../fixtures.js';

const REQUIRED = [
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
  'resend',
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
];

const ed = ed25519Keys();
const ec = p256Keys();
const rsa = rsaKeys();
let jwks: Server;
let jwksUrl = '';

beforeAll(async () => {
  const jwk = {
    ...createPublicKey(rsa.publicPem).export({ format: 'jwk' }),
    kid: 'k1',
    alg: 'RS256',
    use: 'sig',
  };
  jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/certs`;
});
afterAll(() => new Promise<void>((resolve) => jwks.close(() => resolve())));

/** Per provider: the secret the sample is signed with, the secret the source stores, and its options. */
function setup(id: string): { signWith: string; verifyWith: string[]; options: Record<string, unknown> } {
  const symmetric = 'It5-a-l0ng-r4ndom-s3cret!';
  switch (id) {
    case 'discord':
      return { signWith: ed.privatePem, verifyWith: [ed.publicHex], options: {} };
    case 'sendgrid':
      return { signWith: ec.privatePem, verifyWith: [ec.publicBase64Der], options: {} };
    case 'google-pubsub':
      return {
        signWith: rsa.privatePem,
        verifyWith: [],
        options: {
          audience: URL_BASE,
          serviceAccountEmail: 'pusher@sample.iam.gserviceaccount.com',
          jwksUrl,
        },
      };
    case 'standard-webhooks':
    case 'svix':
    case 'clerk':
    case 'resend':
      return {
        signWith: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        verifyWith: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
        options: {},
      };
    case 'square':
      return { signWith: symmetric, verifyWith: [symmetric], options: { notificationUrl: URL_BASE } };
    case 'meta':
      return { signWith: symmetric, verifyWith: [symmetric], options: { verifyToken: 'vt' } };
    default:
      return { signWith: symmetric, verifyWith: [symmetric], options: {} };
  }
}

// Their authentication does not cover the body (a token, a JWT, a body field, Mailgun's timestamp+token), so a
// tampered body proves nothing for them; their own tests tamper with the credential instead.
const BODY_NOT_SIGNED = new Set(['gitlab', 'google-pubsub', 'microsoft-graph', 'mailgun']);

const WRONG: Record<string, string> = {
  discord: ed25519Keys().publicHex,
  sendgrid: p256Keys().publicBase64Der,
};

describe('provider registry', () => {
  it('has every provider the product promises, with unique ids', () => {
    const ids = listProviders().map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of REQUIRED) expect(getProvider(id), id).toBeDefined();
  });

  for (const provider of listProviders()) {
    describe(provider.id, () => {
      it('accepts its own signed sample, rejects a tampered body and a wrong secret', async () => {
        const { signWith, verifyWith, options } = setup(provider.id);
        const now = Date.now();
        const verifier = createVerifier(providerVerifierConfig(provider.id, options));
        const req = fromSample(provider.sample({ secret: signWith, url: URL_BASE, now, options }));
        expect(await verifier.verify(req, { now, secrets: verifyWith })).toEqual({ ok: true });
        if (!BODY_NOT_SIGNED.has(provider.id)) {
          expect((await verifier.verify(tamper(req), { now, secrets: verifyWith })).ok).toBe(false);
        }
        if (provider.id !== 'google-pubsub') {
          const wrong = WRONG[provider.id] ?? 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
          expect((await verifier.verify(req, { now, secrets: [wrong] })).ok).toBe(false);
        }
      });

      it('has valid defaults and a complete catalogue entry', () => {
        for (const [i, path] of provider.idempotencyKeys.entries()) validateIdempotencyKeyPath(path, i);
        if (provider.replayKey !== undefined) validateIdempotencyKeyPath(provider.replayKey, 0);
        const summary = summarizeProvider(provider);
        expect(summary.name.length).toBeGreaterThan(0);
        expect(summary.docsUrl).toMatch(/^https:\/\//);
        expect(summary.setupHints.length).toBeGreaterThan(0);
        expect(summary.requiredFields.length).toBeGreaterThan(0);
      });

      it('rejects a source missing a required option', () => {
        const required = provider.requiredFields.filter((f) => f !== 'secret');
        if (required.length === 0) return;
        expect(() => providerVerifierConfig(provider.id, {})).toThrow(/options\./);
      });
    });
  }

  it('gives the extracted event type of each sample (never the unknown fallback)', async () => {
    const { extractEventType } = await import('../../../src/ingest/extract.js');
    const { parseBody } = await import('../../../src/ingest/parse-body.js');
    for (const provider of listProviders()) {
      const { signWith, options } = setup(provider.id);
      const req = fromSample(provider.sample({ secret: signWith, url: URL_BASE, now: Date.now(), options }));
      const body = parseBody(req.rawBody, req.headers['content-type'], { maxDepth: 64 }).data;
      expect(extractEventType(req, body, { provider }), provider.id).not.toBe('unknown');
    }
  });

  it('unknown providers are refused with EH_PROVIDER_UNKNOWN', () => {
    expect(() => providerVerifierConfig('nope')).toThrow(
      expect.objectContaining({ code: 'EH_PROVIDER_UNKNOWN' }),
    );
  });

  it('docs/providers.md has a section per provider naming its id and idempotency keys', () => {
    const doc = readFileSync(new URL('../../../docs/providers.md', import.meta.url), 'utf8');
    const sections = doc.split(/^## /m).slice(1);
    for (const provider of listProviders()) {
      const section = sections.find(
        (s) => s.includes(`\`${provider.id}\``) && s.split('\n')[0]?.includes(provider.id),
      );
      expect(section, `section for ${provider.id}`).toBeDefined();
      for (const key of provider.idempotencyKeys) expect(section, `${provider.id} ${key}`).toContain(key);
      // Who chooses the secret, as the template says with its default options: the first code span of the row.
      const row = section!.split('\n').find((l) => l.startsWith('| secret chosen by'));
      expect(row?.match(/`([a-z]+)`/)?.[1], `${provider.id} secret chosen by`).toBe(
        String(secretChooserOf(provider)),
      );
    }
  });

  it('says who chooses the secret: never null for a template that takes one; Jira by its mode', () => {
    for (const provider of listProviders()) {
      expect(summarizeProvider(provider).secretChosenBy, provider.id).toEqual(
        provider.requiredFields.includes('secret') ? expect.stringMatching(/^(user|provider)$/) : null,
      );
    }
    const jira = getProvider('jira')!;
    expect(secretChooserOf(jira, { mode: 'connect' })).toBe('provider');
    expect(secretChooserOf(jira, { mode: 'admin' })).toBe('user');
  });
});
