// Issue 3, end to end: providers with neither an official signer nor an official verifier library. Each request
// is built with node:crypto straight from the provider's documentation (never with the template's own sample), so
// these tests pin the wire format independently of the code under test.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  type AcceptArgs,
  BASE,
  bodyDigest,
  createSource,
  deliver,
  eventCount,
  expectAcceptedThenRefused,
  metricValue,
  storedEvent,
  tampered,
} from '../helpers/ingest.js';

const JSON_CT = { 'content-type': 'application/json' };
const nowSeconds = () => Math.floor(Date.now() / 1000);
const hmac = (alg: string, key: string, data: string, enc: 'hex' | 'base64') =>
  createHmac(alg, key).update(data).digest(enc);

describe('providers signed by hand from their documentation, end to end (SQLite)', () => {
  let t: TestApp;
  const acceptsAndRefuses = (...args: AcceptArgs) => expectAcceptedThenRefused(t, ...args);

  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  it('GitLab: X-Gitlab-Token compared as is, and not stored with the event', async () => {
    const secret = 'gitlab-secret-token';
    await createSource(t, { slug: 'gitlab', provider: 'gitlab', secret });
    const body =
      '{"object_kind":"merge_request","object_attributes":{"action":"open"},"project":{"path_with_namespace":"group/app"}}';
    const idem = randomUUID();
    const headers = {
      ...JSON_CT,
      'x-gitlab-event': 'Merge Request Hook',
      'idempotency-key': idem,
      'x-gitlab-event-uuid': randomUUID(),
    };
    const id = await acceptsAndRefuses(
      'gitlab',
      { headers: { ...headers, 'x-gitlab-token': secret }, body },
      { type: 'merge_request.open', subject: 'group/app', key: idem },
      {
        'wrong token': { headers: { ...headers, 'x-gitlab-token': 'guess' }, body },
        'no token': { headers, body },
      },
    );
    const event = await storedEvent(t, id);
    expect(event.headers?.['x-gitlab-token']).toBeUndefined();
    expect(JSON.stringify(event)).not.toContain(secret);
  });

  it('GitLab signing token (Standard Webhooks format, options.signingToken)', async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    await createSource(t, {
      slug: 'gitlab-signed',
      provider: 'gitlab',
      secret,
      options: { signingToken: true },
    });
    const body = '{"object_kind":"push","project":{"path_with_namespace":"group/app"}}';
    const idem = randomUUID();
    const signed = (at: Date) => ({
      ...JSON_CT,
      'x-gitlab-event': 'Push Hook',
      'idempotency-key': idem,
      'webhook-id': idem,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(idem, at, body),
    });
    await acceptsAndRefuses(
      'gitlab-signed',
      { headers: signed(new Date()), body },
      { type: 'push', subject: 'group/app', key: idem },
      {
        tampered: { headers: signed(new Date()), body: tampered(body) },
        stale: { headers: signed(new Date(Date.now() - 600_000)), body },
      },
    );
  });

  it('PagerDuty v3: one v1= entry per active secret, comma separated', async () => {
    const secret = 'pd-secret-new';
    await createSource(t, { slug: 'pagerduty', provider: 'pagerduty', secret });
    const body = '{"event":{"id":"01DEN1","event_type":"incident.triggered","data":{"id":"PGR0VU2"}}}';
    const webhookId = randomUUID();
    const headers = (b: string) => ({
      ...JSON_CT,
      'x-webhook-id': webhookId,
      'x-pagerduty-signature': `v1=${hmac('sha256', 'pd-secret-old', b, 'hex')},v1=${hmac('sha256', secret, b, 'hex')}`,
    });
    await acceptsAndRefuses(
      'pagerduty',
      { headers: headers(body), body },
      { type: 'incident.triggered', subject: 'PGR0VU2', key: webhookId },
      { tampered: { headers: headers(body), body: tampered(body) } },
    );
  });

  it('Zoom: v0=HMAC over "v0:ts:body", stale after 300 s', async () => {
    const secret = 'zoom-secret-token';
    await createSource(t, { slug: 'zoom', provider: 'zoom', secret });
    const body = '{"event":"meeting.started","payload":{"account_id":"A1","object":{"id":"89690208496"}}}';
    const signed = (ts: number) => ({
      ...JSON_CT,
      'x-zm-request-timestamp': String(ts),
      'x-zm-signature': `v0=${hmac('sha256', secret, `v0:${ts}:${body}`, 'hex')}`,
    });
    await acceptsAndRefuses(
      'zoom',
      { headers: signed(nowSeconds()), body },
      { type: 'meeting.started', subject: '89690208496', key: bodyDigest(body) },
      {
        tampered: { headers: signed(nowSeconds()), body: tampered(body) },
        stale: { headers: signed(nowSeconds() - 301), body },
      },
    );
  });

  it('Mailgun: HMAC over timestamp + token inside the body; a token carries one event only', async () => {
    const secret = 'mailgun-webhook-signing-key';
    await createSource(t, { slug: 'mailgun', provider: 'mailgun', secret });
    const signature = (ts: number, token = randomBytes(25).toString('hex'), sig?: string) => ({
      timestamp: String(ts),
      token,
      signature: sig ?? hmac('sha256', secret, `${ts}${token}`, 'hex'),
    });
    const body = (sig: ReturnType<typeof signature>, id = 'mg-event-1', event = 'delivered') =>
      JSON.stringify({ signature: sig, 'event-data': { id, event, recipient: 'alice@example.com' } });
    const captured = signature(nowSeconds());
    const eventId = await acceptsAndRefuses(
      'mailgun',
      { headers: JSON_CT, body: body(captured) },
      { type: 'delivered', subject: 'alice@example.com', key: 'mg-event-1' },
      {
        'wrong signature': { headers: JSON_CT, body: body(signature(nowSeconds(), 'tok', 'ab'.repeat(32))) },
        // No toleranceSeconds on the source: the default window, 12 hours, applies.
        stale: { headers: JSON_CT, body: body(signature(nowSeconds() - 12 * 3600 - 1)) },
      },
    );

    // The signature leaves the body out: a captured one must not carry another event (the same one again, sent by
    // acceptsAndRefuses above, is a duplicate).
    const events = await eventCount(t);
    const forged = await deliver(t, 'mailgun', {
      headers: JSON_CT,
      body: body(captured, 'mg-forged', 'complained'),
    });
    expect(forged.status).toBe(401);
    expect(await eventCount(t)).toBe(events);
    expect(
      await metricValue(t, 'eventhook_webhooks_rejected_total', { source: 'mailgun', reason: 'replayed' }),
    ).toBe(1);

    // Mailgun's own retry of the event is signed afresh: a duplicate of the first, not a replay.
    const retried = body(signature(nowSeconds()));
    const retry = await deliver(t, 'mailgun', { headers: JSON_CT, body: retried });
    expect(retry.status).toBe(200);
    expect(retry.json).toEqual({ eventId, duplicate: true });
    // …and that retry sent once more (its answer lost) is a duplicate as well: its token now names the first event.
    const retryAgain = await deliver(t, 'mailgun', { headers: JSON_CT, body: retried });
    expect(retryAgain.status).toBe(200);
    expect(retryAgain.json).toEqual({ eventId, duplicate: true });
  });

  it('Mailgun: a token stays refused for another event beyond a dedup window shorter than its freshness', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
    const short = await startTestApp('sqlite', { clock });
    try {
      const secret = 'mailgun-webhook-signing-key';
      await createSource(short, { slug: 'mg', provider: 'mailgun', secret, dedupWindowSeconds: 1 });
      const ts = Math.floor(clock.now() / 1000);
      const body = (id: string, token: string) =>
        JSON.stringify({
          signature: {
            timestamp: String(ts),
            token,
            signature: hmac('sha256', secret, `${ts}${token}`, 'hex'),
          },
          'event-data': { id, event: 'delivered' },
        });
      const first = await deliver(short, 'mg', { headers: JSON_CT, body: body('e1', 'tok-1') });
      expect(first.status).toBe(200);
      clock.advance(2_000);
      // The same request again is still a duplicate: the stored event keeps its key past the key's own window.
      const resent = await deliver(short, 'mg', { headers: JSON_CT, body: body('e1', 'tok-1') });
      expect(resent.status).toBe(200);
      expect(resent.json).toEqual({ eventId: first.json.eventId, duplicate: true });
      // The event's key has expired (1 s), the token's has not: the signature is fresh for hours more.
      const forged = await deliver(short, 'mg', { headers: JSON_CT, body: body('e2', 'tok-1') });
      expect(forged.status).toBe(401);
      const again = await deliver(short, 'mg', { headers: JSON_CT, body: body('e1', 'tok-2') });
      expect(again.json).toMatchObject({ duplicate: false });
      expect(
        await metricValue(short, 'eventhook_webhooks_rejected_total', { source: 'mg', reason: 'replayed' }),
      ).toBe(1);
    } finally {
      await short.close();
    }
  });

  it('Intercom (sha1= HMAC-SHA1), Vercel (hex HMAC-SHA1), Dropbox (hex HMAC-SHA256), X (sha256= base64)', async () => {
    const secret = 'client-secret';
    for (const provider of ['intercom', 'vercel', 'dropbox', 'x'])
      await createSource(t, { slug: provider, provider, secret });

    const ic =
      '{"type":"notification_event","id":"notif_1","topic":"conversation.user.created","data":{"item":{"id":"147"}}}';
    await acceptsAndRefuses(
      'intercom',
      { headers: { ...JSON_CT, 'x-hub-signature': `sha1=${hmac('sha1', secret, ic, 'hex')}` }, body: ic },
      { type: 'conversation.user.created', subject: '147', key: 'notif_1' },
      {
        tampered: {
          headers: { ...JSON_CT, 'x-hub-signature': `sha1=${hmac('sha1', secret, ic, 'hex')}` },
          body: tampered(ic),
        },
      },
    );

    const vc = '{"id":"vc-evt-1","type":"deployment.succeeded","payload":{"deployment":{"id":"dpl_1"}}}';
    await acceptsAndRefuses(
      'vercel',
      { headers: { ...JSON_CT, 'x-vercel-signature': hmac('sha1', secret, vc, 'hex') }, body: vc },
      { type: 'deployment.succeeded', subject: 'dpl_1', key: 'vc-evt-1' },
      {
        tampered: {
          headers: { ...JSON_CT, 'x-vercel-signature': hmac('sha1', secret, vc, 'hex') },
          body: tampered(vc),
        },
      },
    );

    const db =
      '{"list_folder":{"accounts":["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"]},"delta":{"users":[12345]}}';
    await acceptsAndRefuses(
      'dropbox',
      { headers: { ...JSON_CT, 'x-dropbox-signature': hmac('sha256', secret, db, 'hex') }, body: db },
      { type: 'list_folder', subject: null, key: null },
      {
        tampered: {
          headers: { ...JSON_CT, 'x-dropbox-signature': hmac('sha256', secret, db, 'hex') },
          body: tampered(db),
        },
      },
    );

    const xb = '{"for_user_id":"2244994945","favorite_events":[{"id":"f1"}]}';
    await acceptsAndRefuses(
      'x',
      {
        headers: {
          ...JSON_CT,
          'x-twitter-webhooks-signature': `sha256=${hmac('sha256', secret, xb, 'base64')}`,
        },
        body: xb,
      },
      { type: 'favorite_events', subject: '2244994945', key: null },
      {
        tampered: {
          headers: {
            ...JSON_CT,
            'x-twitter-webhooks-signature': `sha256=${hmac('sha256', secret, xb, 'base64')}`,
          },
          body: tampered(xb),
        },
      },
    );
  });

  it('Twitch EventSub: HMAC over message id + timestamp + body; refused after 10 min', async () => {
    const secret = 'twitch-secret-0123456789';
    await createSource(t, { slug: 'twitch', provider: 'twitch', secret });
    const body =
      '{"subscription":{"type":"channel.follow","condition":{"broadcaster_user_id":"1337"}},"event":{"user_id":"1234"}}';
    const id = randomUUID();
    const signed = (at: Date) => {
      const ts = at.toISOString();
      return {
        ...JSON_CT,
        'twitch-eventsub-message-id': id,
        'twitch-eventsub-message-timestamp': ts,
        'twitch-eventsub-message-type': 'notification',
        'twitch-eventsub-subscription-type': 'channel.follow',
        'twitch-eventsub-message-signature': `sha256=${hmac('sha256', secret, id + ts + body, 'hex')}`,
      };
    };
    await acceptsAndRefuses(
      'twitch',
      { headers: signed(new Date()), body },
      { type: 'channel.follow', subject: '1337', key: id },
      {
        tampered: { headers: signed(new Date()), body: tampered(body) },
        stale: { headers: signed(new Date(Date.now() - 601_000)), body },
      },
    );
  });

  it('Microsoft Graph: every notification’s clientState must equal the secret; acknowledged with 202', async () => {
    const clientState = 'graph-client-state-secret';
    await createSource(t, { slug: 'graph', provider: 'microsoft-graph', secret: clientState });
    const body = (states: string[]) =>
      JSON.stringify({
        value: states.map((s, i) => ({
          subscriptionId: randomUUID(),
          changeType: 'created',
          resource: `Users/u1/Messages/m${i}`,
          clientState: s,
        })),
      });
    const good = body([clientState, clientState]);
    const res = await deliver(t, 'graph', { headers: JSON_CT, body: good });
    expect(res.status, res.text).toBe(202);
    expect(res.text).toBe('');
    const id = res.headers.get('eventhook-event-id');
    expect(id).toMatch(/^evt_/);
    expect(await storedEvent(t, id!)).toMatchObject({ type: 'created', subject: 'Users/u1/Messages/m0' });
    for (const bad of [body([clientState, 'forged']), body(['forged']), body([])]) {
      expect((await deliver(t, 'graph', { headers: JSON_CT, body: bad })).status).toBe(401);
    }
  });

  it('Microsoft Graph: the clientState is redacted from the stored event, its raw body and a stored rejection', async () => {
    const clientState = `graph-state-${randomUUID()}`;
    const source = await createSource(t, {
      slug: 'graph-kept',
      provider: 'microsoft-graph',
      secret: clientState,
      storeRejected: true,
    });
    const body = (states: string[]) =>
      JSON.stringify({
        value: states.map((s) => ({ changeType: 'updated', resource: 'Users/u2', clientState: s })),
      });
    const res = await deliver(t, 'graph-kept', { headers: JSON_CT, body: body([clientState, clientState]) });
    expect(res.status, res.text).toBe(202);
    const id = res.headers.get('eventhook-event-id')!;
    const api = await t.api.get(`${BASE}/events/${id}`);
    expect(api.body.data).toEqual({
      value: [
        { changeType: 'updated', resource: 'Users/u2', clientState: '[redacted]' },
        { changeType: 'updated', resource: 'Users/u2', clientState: '[redacted]' },
      ],
    });
    const raw = await fetch(`${t.url}${BASE}/events/${id}/raw`, {
      headers: { authorization: `Bearer ${t.api.token}` },
    });
    const rawText = await raw.text();
    expect(JSON.parse(rawText)).toEqual(api.body.data);
    expect(JSON.stringify(await storedEvent(t, id))).not.toContain(clientState);

    // A batch with one forged notification is refused whole, yet its other notification carries the real key.
    const refused = await deliver(t, 'graph-kept', { headers: JSON_CT, body: body([clientState, 'forged']) });
    expect(refused.status).toBe(401);
    const rejected = await t.api.get(`${BASE}/events?status=rejected&source=${source.id}`);
    expect(rejected.body.items).toHaveLength(1);
    const kept = await storedEvent(t, rejected.body.items[0].id);
    expect(kept.rawBody?.toString()).toContain('[redacted]');
    expect(JSON.stringify(kept) + kept.rawBody?.toString()).not.toContain(clientState);
  });
});
