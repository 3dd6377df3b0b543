// An OAuth2 endpoint as its receiver sees it when the token server is slow: the attempt still ends within the
// endpoint’s timeoutMs (the token request included, as docs/delivery.md says), and the message is signed with a
// timestamp taken when it goes out, not before the token was fetched.
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, type TestApp } from '../helpers/app.js';
import {
  createEndpoint,
  createRule,
  getAction,
  type Receiver,
  startOutbound,
  stopOutbound,
  waitForAction,
} from '../helpers/outbound.js';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`outbound OAuth2 timing — ${backend}`, () => {
    let t: TestApp;
    let receiver: Receiver;
    let send: (data: Record<string, unknown>) => Promise<string>;
    /** Per token path: how long the token server takes to answer. */
    const tokenDelay = new Map<string, number>();
    /** Per delivery path: Unix seconds at which each request arrived. */
    const arrivedAt = new Map<string, number[]>();
    let issued = 0;
    /** Per delivery path: how long the receiver takes to answer. */
    const receiverDelay = new Map<string, number>();
    /** Per token path: a token to issue instead of a short one. */
    const bigToken = new Map<string, string>();

    beforeAll(async () => {
      ({ t, receiver, send } = await startOutbound(backend, (req, res) => {
        if (req.path.startsWith('/token')) {
          const token = bigToken.get(req.path) ?? `tok-${++issued}`;
          setTimeout(
            () =>
              res.writeHead(200, { 'content-type': 'application/json' }).end(
                JSON.stringify({
                  access_token: token,
                  expires_in: 3600,
                  scope: token.length > 1000 ? 'hooks:write '.repeat(700).trim() : 'hooks',
                }),
              ),
            tokenDelay.get(req.path) ?? 0,
          );
          return;
        }
        arrivedAt.set(req.path, [...(arrivedAt.get(req.path) ?? []), Date.now() / 1000]);
        setTimeout(() => res.writeHead(200).end('ok'), receiverDelay.get(req.path) ?? 0);
      }));
    });
    afterAll(() => stopOutbound(t, receiver));

    const oauthEndpoint = (slug: string, timeoutMs: number) =>
      createEndpoint(t, {
        slug,
        url: `${receiver.url}/${slug}`,
        timeoutMs,
        retry: { maxAttempts: 1 },
        auth: {
          type: 'oauth2_client_credentials',
          tokenUrl: `${receiver.url}/token-${slug}`,
          clientId: 'eh',
          clientSecret: 'client-sekrit',
        },
      });

    it('ends an attempt whose token request outlasts timeoutMs at timeoutMs, sending nothing', async () => {
      tokenDelay.set('/token-slow-token', 3000);
      await oauthEndpoint('slow-token', 500);
      await createRule(t, 'slow-token', 'slow.token', [{ endpoint: 'slow-token' }]);
      const started = Date.now();
      const eventId = await send({ type: 'slow.token' });
      const action = await waitForAction(t, eventId, (a) => a.status === 'dead', 10_000);
      expect(Date.now() - started).toBeLessThan(2500);
      const detail = await getAction(t, action.id);
      expect(detail.attempts).toHaveLength(1);
      expect(detail.attempts[0]).toMatchObject({ outcome: 'failed', statusCode: null });
      expect(detail.attempts[0].error).toMatch(/^auth: OAuth2 token request: no answer within 500 ms/);
      expect(arrivedAt.get('/slow-token')).toBeUndefined();
    });

    it('takes a token whose answer is larger than the 16 KiB kept of a receiver’s answer', async () => {
      // A JWT with many claims and a long list of granted scopes pass 16 KiB together; the answer must be read whole.
      bigToken.set('/token-big-token', 'j'.repeat(10_000));
      await oauthEndpoint('big-token', 5000);
      await createRule(t, 'big-token', 'big.token', [{ endpoint: 'big-token' }]);
      const eventId = await send({ type: 'big.token' });
      const action = await waitForAction(
        t,
        eventId,
        (a) => a.status !== 'pending' && a.status !== 'in_flight',
      );
      const detail = await getAction(t, action.id);
      expect(detail.attempts[0].error).toBeNull();
      expect(action.status).toBe('succeeded');
      const req = receiver.requests.find((r) => r.path === '/big-token')!;
      expect(req.headers.authorization).toBe(`Bearer ${'j'.repeat(10_000)}`);
    });

    it('retries, as a token failure, an access_token no header can carry rather than killing the message', async () => {
      bigToken.set('/token-odd-token', 'tok\u2713');
      await createEndpoint(t, {
        slug: 'odd-token',
        url: `${receiver.url}/odd-token`,
        retry: { schedule: ['50ms'], maxAttempts: 2 },
        auth: {
          type: 'oauth2_client_credentials',
          tokenUrl: `${receiver.url}/token-odd-token`,
          clientId: 'eh',
          clientSecret: 'client-sekrit',
        },
      });
      await createRule(t, 'odd-token', 'odd.token', [{ endpoint: 'odd-token' }]);
      const eventId = await send({ type: 'odd.token' });
      const action = await waitForAction(t, eventId, (a) => a.status === 'dead');
      const detail = await getAction(t, action.id);
      // The token server may be fixed (or answer another token) before the next attempt: it is a failure, not an abort.
      expect(detail.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['failed', 'failed']);
      expect(detail.attempts[0].error).toMatch(/^auth: OAuth2 token request: the access_token /);
      expect(arrivedAt.get('/odd-token')).toBeUndefined();
    });

    it('records a send cut short by the token wait as timing out at the endpoint’s timeoutMs', async () => {
      tokenDelay.set('/token-late-answer', 300);
      receiverDelay.set('/late-answer', 2000);
      await oauthEndpoint('late-answer', 800);
      await createRule(t, 'late-answer', 'late.answer', [{ endpoint: 'late-answer' }]);
      const eventId = await send({ type: 'late.answer' });
      const action = await waitForAction(t, eventId, (a) => a.status === 'dead', 10_000);
      const detail = await getAction(t, action.id);
      expect(detail.attempts[0].error).toMatch(
        /^timeout: no complete answer within 800 ms \(\d+ ms of it waiting for the OAuth2 token\)/,
      );
    });

    it('signs with a webhook-timestamp taken once the token is in hand, fresh for the receiver', async () => {
      tokenDelay.set('/token-fresh-ts', 3000);
      const ep = await oauthEndpoint('fresh-ts', 10_000);
      await createRule(t, 'fresh-ts', 'fresh.ts', [{ endpoint: 'fresh-ts' }]);
      const eventId = await send({ type: 'fresh.ts' });
      await waitForAction(t, eventId, (a) => a.status === 'succeeded', 10_000);
      const req = receiver.requests.find((r) => r.path === '/fresh-ts')!;
      expect(new StandardWebhook(ep.secret).verify(req.body, req.headers)).toMatchObject({
        type: 'fresh.ts',
      });
      // Signed when sent: at most the second boundary and the loopback hop apart, not the 3 s the token took.
      const skew = arrivedAt.get('/fresh-ts')![0]! - Number(req.headers['webhook-timestamp']);
      expect(skew).toBeGreaterThanOrEqual(0);
      expect(skew).toBeLessThan(1.5);
    });
  });
}
