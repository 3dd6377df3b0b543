// Issue 6 §8: deliveries never reach loopback, private, link-local, CGNAT, multicast or cloud-metadata addresses
// (IPv4, IPv6 and IPv4-mapped forms) unless EVENTHOOK_OUTBOUND_ALLOW opens them: IP literals are refused when the
// endpoint is saved, host names after resolution at delivery time, and a narrowed allow-list applies to existing
// endpoints. Redirects are answers, never followed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type ApiClient } from '../helpers/app.js';
import {
  BASE,
  createEndpoint,
  createRule,
  getAction,
  ingestSource,
  sleep,
  startReceiver,
  waitForAction,
  type Receiver,
} from '../helpers/outbound.js';

const FORBIDDEN: ReadonlyArray<[url: string, reason: RegExp]> = [
  ['http://127.0.0.1/', /loopback/],
  ['http://127.9.9.9:8080/', /loopback/],
  ['http://2130706433/', /loopback/],
  ['http://0.0.0.0/', /unspecified/],
  ['http://10.1.2.3/', /private/],
  ['http://172.16.0.1/', /private/],
  ['http://192.168.1.1/', /private/],
  ['http://169.254.1.1/', /link-local/],
  ['http://100.64.0.1/', /carrier-grade NAT/],
  ['http://224.0.0.1/', /multicast/],
  ['http://255.255.255.255/', /broadcast/],
  ['http://169.254.169.254/latest/meta-data/', /metadata/],
  ['http://100.100.100.200/', /metadata/],
  ['http://[::1]/', /loopback/],
  ['http://[::]/', /unspecified/],
  ['http://[fe80::1]/', /link-local/],
  ['http://[fc00::1]/', /unique-local/],
  ['http://[ff02::1]/', /multicast/],
  ['http://[::ffff:127.0.0.1]/', /loopback/],
  ['http://[::ffff:10.0.0.1]/', /private/],
  ['http://[::ffff:169.254.169.254]/', /metadata/],
  ['http://[64:ff9b::a9fe:a9fe]/', /metadata|link-local/],
  ['http://[fd00:ec2::254]/', /metadata/],
];

describe('SSRF protection', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => receiver?.close());

  it('refuses endpoints whose URL is a forbidden IP literal, naming the address class', async () => {
    const t = await startTestApp('sqlite');
    try {
      for (const [url, reason] of FORBIDDEN) {
        const res = await t.api.post(`${BASE}/endpoints`, { slug: 'x', url });
        expect(res.status, url).toBe(400);
        expect(res.body.code, url).toBe('EH_ENDPOINT_INVALID');
        expect(res.body.errors[0].path, url).toBe('/url');
        expect(res.body.errors[0].message, url).toMatch(reason);
      }
      const ok = await t.api.post(`${BASE}/endpoints`, {
        slug: 'public',
        url: 'https://93.184.215.14/hooks',
      });
      expect(ok.status).toBe(201);
    } finally {
      await t.close();
    }
  });

  it('refuses at delivery a host name that resolves to 127.0.0.1, and connects nowhere', async () => {
    const t = await startTestApp('sqlite');
    try {
      const send = await ingestSource(t);
      await createEndpoint(t, {
        slug: 'sneaky',
        url: `http://localhost:${receiver.port}/sneaky`,
        retry: { maxAttempts: 1 },
      });
      await createRule(t, 'sneaky', 'sneaky.test', [{ endpoint: 'sneaky' }]);
      const eventId = await send({ type: 'sneaky.test' });
      const dead = await waitForAction(t, eventId, (a) => a.status === 'dead');
      const attempt = (await getAction(t, dead.id)).attempts[0];
      expect(attempt.statusCode).toBeNull();
      expect(attempt.error).toMatch(/^forbidden_address: .*loopback/);
      expect(receiver.requests).toHaveLength(0);
    } finally {
      await t.close();
    }
  });

  it('applies a narrowed allow-list to endpoints saved under a wider one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'eventhook-ssrf-'));
    const targets = [
      `http://127.0.0.1:${receiver.port}/a`,
      `http://[::1]:${receiver.port}/b`,
      `http://[::ffff:127.0.0.1]:${receiver.port}/c`,
      'http://10.255.255.1/d',
      'http://100.64.1.1/e',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:169.254.169.254]/f',
      'http://[fe80::1]/g',
    ];
    try {
      const wide = await startTestApp('sqlite', {
        dataDir,
        env: { EVENTHOOK_OUTBOUND_ALLOW: '0.0.0.0/0, ::/0, 169.254.169.254' },
      });
      try {
        await ingestSource(wide);
        for (const [i, url] of targets.entries()) {
          await createEndpoint(wide, { slug: `ep-${i}`, url, retry: { maxAttempts: 1 } });
          await createRule(wide, `r-${i}`, 'ssrf.test', [{ endpoint: `ep-${i}` }]);
        }
      } finally {
        await wide.app.close();
      }
      // Same database, default policy: every one of them is refused before any connection is made.
      const strict = await startTestApp('sqlite', { dataDir });
      try {
        const body = JSON.stringify({ type: 'ssrf.test' });
        const res = await fetch(`${strict.url}${BASE}/in/app`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-sig': (await import('node:crypto'))
              .createHmac('sha256', 'outbound-test-secret')
              .update(body)
              .digest('hex'),
          },
          body,
        });
        const { eventId } = (await res.json()) as { eventId: string };
        const actions = await waitForActions(strict, eventId, targets.length);
        for (const a of actions) {
          const attempt = (await getAction(strict, a.id)).attempts[0];
          expect(attempt.error, a.endpoint).toMatch(/^forbidden_address: /);
        }
        expect(receiver.requests).toHaveLength(0);
      } finally {
        await strict.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses an OAuth tokenUrl and a jwt jwksUrl on a forbidden IP literal at save, unless allowed', async () => {
    const oauth = (tokenUrl: string) => ({
      type: 'oauth2_client_credentials',
      tokenUrl,
      clientId: 'eh',
      clientSecret: 'client-sekrit',
    });
    const pubsub = (slug: string, jwksUrl: string) => ({
      slug,
      provider: 'google-pubsub',
      options: {
        audience: 'https://example.com/',
        serviceAccountEmail: 'a@b.iam.gserviceaccount.com',
        jwksUrl,
      },
    });
    const customJwt = (slug: string, jwksUrl: string) => ({
      slug,
      verifier: { type: 'jwt', algorithms: ['RS256'], jwksUrl },
    });
    const t = await startTestApp('sqlite');
    try {
      for (const [url, reason] of FORBIDDEN) {
        const ep = await t.api.post(`${BASE}/endpoints`, {
          slug: 'x',
          url: 'https://93.184.215.14/hooks',
          auth: oauth(`${url}token`),
        });
        expect(ep.status, url).toBe(400);
        expect(ep.body.code, url).toBe('EH_ENDPOINT_INVALID');
        expect(ep.body.errors[0].path, url).toBe('/auth/tokenUrl');
        expect(ep.body.errors[0].message, url).toMatch(reason);
        expect(ep.body.errors[0].message, url).toMatch(/EVENTHOOK_OUTBOUND_ALLOW/);
      }
      const provider = await t.api.post(`${BASE}/sources`, pubsub('p', 'http://127.0.0.1/certs'));
      expect(provider.status).toBe(400);
      expect(provider.body.code).toBe('EH_SOURCE_INVALID');
      expect(provider.body.errors[0]).toMatchObject({ path: '/options/jwksUrl' });
      expect(provider.body.errors[0].message).toMatch(/127\.0\.0\.1 is loopback.*EVENTHOOK_OUTBOUND_ALLOW/);
      const custom = await t.api.post(`${BASE}/sources`, customJwt('c', 'http://[::ffff:10.0.0.1]/keys'));
      expect(custom.status).toBe(400);
      expect(custom.body.errors[0]).toMatchObject({ path: '/verifier/jwksUrl' });
      expect(custom.body.errors[0].message).toMatch(/private/);

      // A change is checked as a creation is.
      expect(
        (await t.api.post(`${BASE}/endpoints`, { slug: 'ok', url: 'https://93.184.215.14/hooks' })).status,
      ).toBe(201);
      const patched = await t.api.patch(`${BASE}/endpoints/ok`, {
        auth: oauth('http://169.254.169.254/token'),
      });
      expect(patched.status).toBe(400);
      expect(patched.body.errors[0]).toMatchObject({ path: '/auth/tokenUrl' });
      expect(
        (await t.api.post(`${BASE}/sources`, customJwt('c2', 'https://93.184.215.14/keys'))).status,
      ).toBe(201);
      const src = await t.api.patch(`${BASE}/sources/c2`, {
        verifier: { type: 'jwt', algorithms: ['RS256'], jwksUrl: 'http://127.0.0.1:9/keys' },
      });
      expect(src.status).toBe(400);
      expect(src.body.errors[0]).toMatchObject({ path: '/verifier/jwksUrl' });

      // Host names are judged where they resolve, when used; public IPs pass.
      expect(
        (
          await t.api.post(`${BASE}/endpoints`, {
            slug: 'named',
            url: 'https://93.184.215.14/hooks',
            auth: oauth('http://localhost/token'),
          })
        ).status,
      ).toBe(201);
      expect((await t.api.post(`${BASE}/sources`, pubsub('named', 'http://localhost/certs'))).status).toBe(
        201,
      );
    } finally {
      await t.close();
    }
    // EVENTHOOK_OUTBOUND_ALLOW opens them at save as it does for deliveries.
    const allowed = await startTestApp('sqlite', { env: { EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1' } });
    try {
      const ep = await allowed.api.post(`${BASE}/endpoints`, {
        slug: 'x',
        url: 'https://93.184.215.14/hooks',
        auth: oauth('http://127.0.0.1:9/token'),
      });
      expect(ep.status).toBe(201);
      expect(
        (await allowed.api.post(`${BASE}/sources`, pubsub('p', 'http://127.0.0.1:9/certs'))).status,
      ).toBe(201);
    } finally {
      await allowed.close();
    }
  });

  it('does not follow redirects: a 3xx is the answer, and a failure', async () => {
    const other = await startReceiver();
    const t = await startTestApp('sqlite', { env: { EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1' } });
    try {
      receiver.handle((_req, res) => {
        res.writeHead(302, { location: `${other.url}/elsewhere` }).end();
      });
      const send = await ingestSource(t);
      await createEndpoint(t, { slug: 'moved', url: `${receiver.url}/moved`, retry: { maxAttempts: 1 } });
      await createRule(t, 'moved', 'moved.test', [{ endpoint: 'moved' }]);
      const dead = await waitForAction(t, await send({ type: 'moved.test' }), (a) => a.status === 'dead');
      expect((await getAction(t, dead.id)).attempts[0]).toMatchObject({ statusCode: 302, outcome: 'failed' });
      await sleep(200);
      expect(other.requests).toHaveLength(0);
    } finally {
      await t.close();
      await other.close();
    }
  });
});

async function waitForActions(t: { api: ApiClient }, eventId: string, n: number): Promise<any[]> {
  for (let i = 0; i < 400; i++) {
    const e = await t.api.get(`${BASE}/events/${eventId}`);
    const actions = (e.body?.actions ?? []) as Array<{ status: string }>;
    if (actions.length === n && actions.every((a) => a.status === 'dead')) return actions;
    await sleep(25);
  }
  throw new Error('actions did not all die');
}
