// Linear (checked by @linear/sdk LinearWebhookClient), Jira (admin HMAC; Connect JWTs from atlassian-jwt),
// PagerDuty (several v1= signatures) and Vercel (HMAC-SHA1), signed with node:crypto where no signer exists.
import { createHmac, randomUUID } from 'node:crypto';
import { LinearWebhookClient } from '@linear/sdk/webhooks';
import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl } from 'atlassian-jwt';
import { describe, expect, it } from 'vitest';
import { inbound, tamper, URL_BASE } from '../fixtures.js';
import { extracted, provider, verifyAs } from './provider-harness.js';

const JSON_CT = { 'content-type': 'application/json' };
const hex = (alg: string, key: string, data: string) => createHmac(alg, key).update(data).digest('hex');

describe('linear', () => {
  const SECRET = 'lin_wh_secret';
  const body = (ts: number) =>
    JSON.stringify({
      action: 'update',
      type: 'Issue',
      data: { id: 'i-1', identifier: 'ENG-1' },
      webhookId: 'wh-1',
      webhookTimestamp: ts,
    });
  const req = (b: string, delivery: string = randomUUID()) =>
    inbound({
      headers: {
        ...JSON_CT,
        'linear-signature': hex('sha256', SECRET, b),
        'linear-delivery': delivery,
        'linear-event': 'Issue',
      },
      body: b,
    });

  it('accepts what LinearWebhookClient.verify accepts, rejects tampering', async () => {
    const now = Date.now();
    const r = req(body(now));
    expect(new LinearWebhookClient(SECRET).verify(r.rawBody, r.headers['linear-signature'] ?? '')).toBe(true);
    expect(await verifyAs('linear', r, [SECRET], { now })).toEqual({ ok: true });
    expect((await verifyAs('linear', tamper(r), [SECRET], { now })).ok).toBe(false);
  });

  it('rejects a signed body timestamp older than 60 s, whatever the Linear-Timestamp header says', async () => {
    const now = Date.now();
    const r = req(body(now - 61_000));
    expect(() =>
      new LinearWebhookClient(SECRET).verify(r.rawBody, r.headers['linear-signature'] ?? ''),
    ).toThrow();
    const withHeader = { ...r, headers: { ...r.headers, 'linear-timestamp': String(now) } };
    expect(await verifyAs('linear', withHeader, [SECRET], { now })).toMatchObject({
      reason: 'stale_timestamp',
    });
  });

  it('dedups on Linear-Delivery, not on the subscription-wide webhookId', () => {
    const ts = Date.now();
    const a = extracted('linear', req(body(ts), 'delivery-a'));
    const b = extracted('linear', req(body(ts + 1), 'delivery-b'));
    expect(a).toMatchObject({ type: 'Issue.update', subject: 'ENG-1', key: 'delivery-a' });
    expect(b.key).toBe('delivery-b');
  });

  it('its sample passes LinearWebhookClient', () => {
    const s = provider('linear').sample({ secret: SECRET, url: URL_BASE, now: Date.now() });
    expect(
      new LinearWebhookClient(SECRET).verify(Buffer.from(s.body), s.headers['linear-signature'] ?? ''),
    ).toBe(true);
  });
});

describe('jira', () => {
  const SECRET = 'jira-secret';
  const BODY = '{"webhookEvent":"jira:issue_updated","issue":{"key":"PROJ-9"}}';

  it('admin webhooks: accepts the sha256= HMAC, rejects tampering; types by webhookEvent', async () => {
    const r = inbound({
      headers: {
        ...JSON_CT,
        'x-hub-signature': `sha256=${hex('sha256', SECRET, BODY)}`,
        'x-atlassian-webhook-identifier': 'w-1',
      },
      body: BODY,
    });
    expect(await verifyAs('jira', r, [SECRET])).toEqual({ ok: true });
    expect((await verifyAs('jira', tamper(r), [SECRET])).ok).toBe(false);
    expect(extracted('jira', r)).toMatchObject({ type: 'jira:issue_updated', subject: 'PROJ-9', key: 'w-1' });
  });

  it('connect mode: accepts an atlassian-jwt token bound to this URL, rejects expired or foreign ones', async () => {
    const base = 'https://hooks.example.com/api/orgs/acme/eventhook';
    const url = `${base}/in/jira?tenant=1`;
    const options = { mode: 'connect', baseUrl: base, clientKey: 'ck-1' };
    const now = Date.now();
    const token = (claims: Record<string, unknown>) =>
      encodeSymmetric(
        {
          iss: 'ck-1',
          iat: Math.floor(now / 1000),
          exp: Math.floor(now / 1000) + 180,
          qsh: createQueryStringHash(fromMethodAndUrl('POST', url), false, base),
          ...claims,
        },
        SECRET,
      );
    const req = (t: string) =>
      inbound({ url, headers: { ...JSON_CT, authorization: `JWT ${t}` }, body: BODY });
    expect(await verifyAs('jira', req(token({})), [SECRET], { now, options })).toEqual({ ok: true });
    expect(
      (await verifyAs('jira', req(token({ exp: Math.floor(now / 1000) - 60 })), [SECRET], { now, options }))
        .ok,
    ).toBe(false);
    expect((await verifyAs('jira', req(token({ iss: 'other' })), [SECRET], { now, options })).ok).toBe(false);
    expect((await verifyAs('jira', req(token({ qsh: 'context-qsh' })), [SECRET], { now, options })).ok).toBe(
      false,
    );
    const s = provider('jira').sample({ secret: SECRET, url, now, options });
    expect(
      await verifyAs('jira', inbound({ url, headers: s.headers, body: s.body }), [SECRET], { now, options }),
    ).toEqual({ ok: true });
  });
});

describe('pagerduty', () => {
  const BODY = '{"event":{"id":"01DEN","event_type":"incident.triggered","data":{"id":"PGR0VU2"}}}';
  const req = (sig: string) =>
    inbound({ headers: { ...JSON_CT, 'x-pagerduty-signature': sig, 'x-webhook-id': 'wh-77' }, body: BODY });

  it('accepts when any comma-separated v1= signature matches, rejects tampering', async () => {
    const header = `v1=${hex('sha256', 'old', BODY)},v1=${hex('sha256', 'new', BODY)}`;
    expect(await verifyAs('pagerduty', req(header), ['new'])).toEqual({ ok: true });
    expect(await verifyAs('pagerduty', req(header), ['old'])).toEqual({ ok: true });
    expect((await verifyAs('pagerduty', tamper(req(header)), ['new'])).ok).toBe(false);
    expect(await verifyAs('pagerduty', req(hex('sha256', 'new', BODY)), ['new'])).toMatchObject({
      reason: 'bad_encoding',
    });
    expect(extracted('pagerduty', req(header))).toMatchObject({
      type: 'incident.triggered',
      subject: 'PGR0VU2',
      key: 'wh-77',
    });
  });
});

describe('vercel', () => {
  const BODY = '{"id":"evt_v1","type":"deployment.created","payload":{"deployment":{"id":"dpl_1"}}}';
  it('accepts the HMAC-SHA1 hex signature, rejects tampering', async () => {
    const r = inbound({ headers: { ...JSON_CT, 'x-vercel-signature': hex('sha1', 'vs', BODY) }, body: BODY });
    expect(await verifyAs('vercel', r, ['vs'])).toEqual({ ok: true });
    expect((await verifyAs('vercel', tamper(r), ['vs'])).ok).toBe(false);
    expect(extracted('vercel', r)).toMatchObject({
      type: 'deployment.created',
      subject: 'dpl_1',
      key: 'evt_v1',
    });
  });
});
