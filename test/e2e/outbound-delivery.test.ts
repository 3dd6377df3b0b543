// Issue 6: an event routed to a webhook target arrives at a real receiver, signed so that the official
// standardwebhooks and svix libraries verify it — also with svix-* names, during secret rotation, with endpoint
// auth (OAuth2 included) — and every attempt is recorded with credentials redacted.
import { createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually, type TestApp } from '../helpers/app.js';
import {
  BASE,
  createEndpoint,
  createRule,
  getAction,
  type ReceivedRequest,
  type Receiver,
  startOutbound,
  startReceiver,
  stopOutbound,
  waitForAction,
} from '../helpers/outbound.js';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`outbound delivery — ${backend}`, () => {
    let t: TestApp;
    let receiver: Receiver;
    let send: (data: Record<string, unknown>) => Promise<string>;

    beforeAll(async () => {
      ({ t, receiver, send } = await startOutbound(backend));
    });
    afterAll(() => stopOutbound(t, receiver));

    const arrivals = (path: string) => receiver.requests.filter((r) => r.path === path);

    it('generates a whsec_ secret shown once, and delivers a message both official libraries verify', async () => {
      const ep = await createEndpoint(t, {
        slug: 'orders',
        url: `${receiver.url}/orders`,
        headers: { 'x-team': 'billing' },
      });
      expect(ep.secret).toMatch(/^whsec_/);
      expect(ep.secrets).toHaveLength(1);
      const got = await t.api.get(`${BASE}/endpoints/orders`);
      expect(got.status).toBe(200);
      expect(got.text).not.toContain(ep.secret.slice(6));
      expect(got.body.secret).toBeUndefined();
      await createRule(t, 'orders', 'order.created', [{ endpoint: 'orders', input: { jmespath: 'data' } }]);

      const eventId = await send({ type: 'order.created', id: 'o_1', note: 'ünïcødé' });
      const action = await waitForAction(t, eventId, (a) => a.status === 'succeeded');
      const [req] = arrivals('/orders');
      expect(req).toBeDefined();
      // The body is exactly the transformed input, and the signature covers exactly those bytes.
      expect(JSON.parse(req!.body.toString('utf8'))).toEqual({
        type: 'order.created',
        id: 'o_1',
        note: 'ünïcødé',
      });
      expect(new StandardWebhook(ep.secret).verify(req!.body, req!.headers)).toEqual(
        JSON.parse(req!.body.toString('utf8')),
      );
      expect(new SvixWebhook(ep.secret).verify(req!.body, req!.headers)).toEqual(
        JSON.parse(req!.body.toString('utf8')),
      );
      expect(req!.headers['webhook-id']).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(req!.headers['content-type']).toBe('application/json');
      expect(req!.headers['x-team']).toBe('billing');
      expect(action.result).toEqual({ msgId: req!.headers['webhook-id'], statusCode: 200 });

      const detail = await getAction(t, action.id);
      expect(detail.attempts).toHaveLength(1);
      // One type per field: the count is attemptCount everywhere, and attempts is only ever the detail's array.
      expect(detail.attemptCount).toBe(1);
      const listed = (await t.api.get(`${BASE}/actions?event=${action.eventId}`)).body.items[0];
      expect(listed).toMatchObject({ id: action.id, attemptCount: 1 });
      expect(listed).not.toHaveProperty('attempts');
      expect(action).toMatchObject({ attemptCount: 1 });
      expect(action).not.toHaveProperty('attempts');
      expect(detail.attempts[0]).toMatchObject({
        number: 1,
        outcome: 'succeeded',
        statusCode: 200,
        responseBody: 'ok',
        error: null,
      });
      expect(detail.attempts[0].request).toMatchObject({
        method: 'POST',
        url: `${receiver.url}/orders`,
        msgId: req!.headers['webhook-id'],
      });
      expect(detail.attempts[0].request.headers['webhook-signature']).toBe(req!.headers['webhook-signature']);
    });

    it('signs with svix-* header names when the endpoint asks for them', async () => {
      const ep = await createEndpoint(t, {
        slug: 'svix-style',
        url: `${receiver.url}/svix`,
        headerStyle: 'svix',
      });
      await createRule(t, 'svix-style', 'svix.ping', [{ endpoint: 'svix-style' }]);
      const eventId = await send({ type: 'svix.ping' });
      await waitForAction(t, eventId, (a) => a.status === 'succeeded');
      const [req] = arrivals('/svix');
      expect(req!.headers['svix-signature']).toMatch(/^v1,/);
      expect(req!.headers['webhook-signature']).toBeUndefined();
      // Without a transform the body is the whole envelope.
      const payload = new SvixWebhook(ep.secret).verify(req!.body, req!.headers) as {
        id: string;
        type: string;
      };
      expect(payload).toMatchObject({ id: eventId, type: 'svix.ping', source: 'webhook:app' });
    });

    it('during rotation both signatures are present and either secret verifies with either library', async () => {
      const ep = await createEndpoint(t, { slug: 'rotating', url: `${receiver.url}/rotating` });
      await createRule(t, 'rotating', 'rotate.test', [{ endpoint: 'rotating' }]);
      const rotated = await t.api.post(`${BASE}/endpoints/rotating/rotate-secret`, { graceSeconds: 3600 });
      expect(rotated.status, rotated.text).toBe(200);
      expect(rotated.body.secret).toMatch(/^whsec_/);
      expect(rotated.body.secret).not.toBe(ep.secret);
      expect(rotated.body.secrets).toHaveLength(2);
      expect(
        rotated.body.secrets.filter((s: { expiresAt: string | null }) => s.expiresAt !== null),
      ).toHaveLength(1);

      const eventId = await send({ type: 'rotate.test', n: 1 });
      await waitForAction(t, eventId, (a) => a.status === 'succeeded');
      const [req] = arrivals('/rotating');
      expect(req!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
      for (const secret of [ep.secret, rotated.body.secret]) {
        expect(new StandardWebhook(secret).verify(req!.body, req!.headers)).toMatchObject({ id: eventId });
        expect(new SvixWebhook(secret).verify(req!.body, req!.headers)).toMatchObject({ id: eventId });
      }
      // A rotation with no grace retires the old secrets at once: only the newest signs.
      const again = await t.api.post(`${BASE}/endpoints/rotating/rotate-secret`, { graceSeconds: 0 });
      // The retired secrets sign nothing, so they are not shown either.
      expect(again.body.secrets).toEqual([expect.objectContaining({ expiresAt: null })]);
      expect((await t.api.get(`${BASE}/endpoints/rotating`)).body.secrets).toHaveLength(1);
      const second = await send({ type: 'rotate.test', n: 2 });
      await waitForAction(t, second, (a) => a.status === 'succeeded');
      const last = arrivals('/rotating').at(-1)!;
      expect(last.headers['webhook-signature']!.split(' ')).toHaveLength(1);
      expect(new StandardWebhook(again.body.secret).verify(last.body, last.headers)).toMatchObject({
        id: second,
      });
      expect(() => new StandardWebhook(rotated.body.secret).verify(last.body, last.headers)).toThrow();
    });

    it('signs with v1a only when the endpoint’s one secret is a generated Ed25519 key', async () => {
      const ep = await createEndpoint(t, {
        slug: 'ed-only',
        url: `${receiver.url}/ed-only`,
        secretKind: 'ed25519',
      });
      expect(ep.secret).toMatch(/^whsk_/);
      expect(ep.publicKey).toMatch(/^whpk_/);
      expect(ep.secrets[0]).toMatchObject({ kind: 'ed25519', publicKey: ep.publicKey });
      await createRule(t, 'ed-only', 'ed-only.test', [{ endpoint: 'ed-only' }]);
      const eventId = await send({ type: 'ed-only.test' });
      await waitForAction(t, eventId, (a) => a.status === 'succeeded');
      const req = arrivals('/ed-only')[0]!;
      const [scheme, sig, ...rest] = req.headers['webhook-signature']!.split(/[ ,]/);
      expect([scheme, rest]).toEqual(['v1a', []]);
      expect(verifyV1a(ep.publicKey, req, sig!)).toBe(true);
    });

    it('adds a v1a Ed25519 signature alongside v1 when the endpoint has a whsec_ secret and a whsk_ key', async () => {
      // The Ed25519 seed is made here with node:crypto, not by Eventhook, so the whpk_ key the API reports is
      // checked against a key pair the test owns.
      const hmac = 'whsec_' + randomBytes(24).toString('base64');
      const pair = generateKeyPairSync('ed25519');
      const seed = Buffer.from(pair.privateKey.export({ format: 'jwk' }).d!, 'base64url');
      const publicKey =
        'whpk_' + Buffer.from(pair.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64');
      const ep = await createEndpoint(t, {
        slug: 'ed',
        url: `${receiver.url}/ed`,
        secrets: [hmac, 'whsk_' + seed.toString('base64')],
      });
      expect(ep.secrets.map((s: { kind: string }) => s.kind).sort()).toEqual(['ed25519', 'hmac']);
      expect(ep.secrets.find((s: { kind: string }) => s.kind === 'ed25519').publicKey).toBe(publicKey);
      await createRule(t, 'ed', 'ed.test', [{ endpoint: 'ed' }]);
      const eventId = await send({ type: 'ed.test' });
      await waitForAction(t, eventId, (a) => a.status === 'succeeded');
      const req = arrivals('/ed')[0]!;
      const entries = req.headers['webhook-signature']!.split(' ');
      expect(entries.map((e) => e.split(',')[0]).sort()).toEqual(['v1', 'v1a']);
      // The official library checks the v1 entry and skips the v1a one it does not know.
      expect(new StandardWebhook(hmac).verify(req.body, req.headers)).toMatchObject({ id: eventId });
      const v1a = entries.find((e) => e.startsWith('v1a,'))!.slice('v1a,'.length);
      expect(verifyV1a(publicKey, req, v1a)).toBe(true);
      // Both cover exactly the bytes sent: one flipped bit of the body fails each.
      const tampered = { ...req, body: Buffer.from(req.body) };
      tampered.body[tampered.body.length - 2]! ^= 1;
      expect(() => new StandardWebhook(hmac).verify(tampered.body, req.headers)).toThrow();
      expect(verifyV1a(publicKey, tampered, v1a)).toBe(false);
    });

    it('authenticates with a bearer token and stores the attempt with the credential redacted', async () => {
      await createEndpoint(t, {
        slug: 'bearer',
        url: `${receiver.url}/bearer`,
        auth: { type: 'bearer', token: 'sekrit-token' },
      });
      const got = await t.api.get(`${BASE}/endpoints/bearer`);
      expect(got.body.auth).toEqual({ type: 'bearer' });
      expect(got.text).not.toContain('sekrit-token');
      await createRule(t, 'bearer', 'bearer.test', [{ endpoint: 'bearer' }]);
      const eventId = await send({ type: 'bearer.test' });
      const action = await waitForAction(t, eventId, (a) => a.status === 'succeeded');
      expect(arrivals('/bearer')[0]!.headers.authorization).toBe('Bearer sekrit-token');
      const detail = await getAction(t, action.id);
      expect(detail.attempts[0].request.headers.authorization).toBe('[redacted]');
      expect(JSON.stringify(detail)).not.toContain('sekrit-token');
    });

    it('fetches an OAuth2 client-credentials token, caches it, and refreshes it once on a 401', async () => {
      let issued = 0;
      const oauth = await startReceiver((req, res) => {
        if (req.path === '/token') {
          issued++;
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ access_token: `tok-${issued}`, expires_in: 3600 }));
          return;
        }
        // The first token is "revoked": the endpoint answers 401 until it sees the second one.
        const ok = req.headers.authorization === `Bearer tok-2`;
        res.writeHead(ok ? 200 : 401).end(ok ? 'ok' : 'nope');
      });
      try {
        await createEndpoint(t, {
          slug: 'oauth',
          url: `${oauth.url}/hooks`,
          auth: {
            type: 'oauth2_client_credentials',
            tokenUrl: `${oauth.url}/token`,
            clientId: 'eh',
            clientSecret: 'client-sekrit',
            scope: 'hooks',
          },
        });
        await createRule(t, 'oauth', 'oauth.test', [{ endpoint: 'oauth' }]);
        const first = await send({ type: 'oauth.test', n: 1 });
        const action = await waitForAction(t, first, (a) => a.status === 'succeeded');
        const second = await send({ type: 'oauth.test', n: 2 });
        await waitForAction(t, second, (a) => a.status === 'succeeded');
        expect(issued).toBe(2);
        const token = oauth.requests.find((r) => r.path === '/token')!;
        expect(token.headers.authorization).toBe(
          `Basic ${Buffer.from('eh:client-sekrit').toString('base64')}`,
        );
        expect(token.body.toString()).toContain('grant_type=client_credentials');
        const detail = await getAction(t, action.id);
        expect(detail.attempts).toHaveLength(1);
        expect(JSON.stringify(detail)).not.toMatch(/tok-\d|client-sekrit/);
      } finally {
        await oauth.close();
      }
    });

    it('continues the event’s trace: the receiver gets its trace id and flags under a span of its own', async () => {
      await createEndpoint(t, { slug: 'traced', url: `${receiver.url}/traced` });
      await createRule(t, 'traced', 'order.traced', [{ endpoint: 'traced' }]);
      const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
      const traced = await t.api.post(`${BASE}/events`, {
        type: 'order.traced',
        data: { n: 1 },
        traceparent: `00-${trace}-00f067aa0ba902b7-01`,
      });
      const untraced = await t.api.post(`${BASE}/events`, { type: 'order.traced', data: { n: 2 } });
      for (const e of [traced, untraced])
        await waitForAction(t, e.body.eventId, (a) => a.status === 'succeeded');
      const byN = (n: number) => arrivals('/traced').find((r) => JSON.parse(r.body.toString()).data.n === n)!;
      expect(byN(1).headers.traceparent).toMatch(
        new RegExp(`^00-${trace}-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$`),
      );
      // No trace came in, so none goes out.
      expect(byN(2).headers.traceparent).toBeUndefined();
    });

    it('keeps one webhook-id per action across retries, and a new one per action', async () => {
      let calls = 0;
      const flaky = await startReceiver((_req, res) => {
        calls++;
        res.writeHead(calls === 1 ? 503 : 200).end();
      });
      try {
        await createEndpoint(t, { slug: 'flaky', url: `${flaky.url}/x`, retry: { schedule: ['50ms'] } });
        await createRule(t, 'flaky', 'flaky.test', [{ endpoint: 'flaky' }, { endpoint: 'flaky' }]);
        const eventId = await send({ type: 'flaky.test' });
        await eventually(async () => {
          const e = await t.api.get(`${BASE}/events/${eventId}`);
          return (
            e.body.actions.length === 2 &&
            e.body.actions.every((a: { status: string }) => a.status === 'succeeded')
          );
        });
        const ids = flaky.requests.map((r) => r.headers['webhook-id']);
        expect(ids).toHaveLength(3);
        expect(new Set(ids).size).toBe(2);
      } finally {
        await flaky.close();
      }
    });
  });
}

/** Checks a v1a entry as a receiver would: Ed25519 over "{id}.{timestamp}.{body}" with the whpk_ public key. */
function verifyV1a(whpk: string, req: ReceivedRequest, signature: string): boolean {
  const key = createPublicKey({
    // SPKI DER prefix for a raw 32-byte Ed25519 public key.
    key: Buffer.concat([
      Buffer.from('302a300506032b6570032100', 'hex'),
      Buffer.from(whpk.slice(5), 'base64'),
    ]),
    format: 'der',
    type: 'spki',
  });
  const content = Buffer.concat([
    Buffer.from(`${req.headers['webhook-id']}.${req.headers['webhook-timestamp']}.`),
    req.body,
  ]);
  return verify(null, content, key, Buffer.from(signature, 'base64'));
}
