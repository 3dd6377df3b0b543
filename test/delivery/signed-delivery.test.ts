// Signed deliveries end to end: sign, send through the guarded sender, verify at a real receiver with the official libraries.
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, newId } from '../../src/core/index.js';
import {
  AddressPolicy,
  HttpSender,
  activeSecrets,
  buildSignedHeaders,
  classifyResponse,
  generateEndpointSecret,
  rotateSecrets,
  type EndpointSecret,
  type SignatureHeaderStyle,
} from '../../src/delivery/index.js';
import { startReceiver, type Receiver } from './fixtures/receiver.js';

let sender: HttpSender;
let receiver: Receiver;
beforeAll(async () => {
  sender = new HttpSender({ policy: AddressPolicy.fromAllowList(['127.0.0.1/32']) });
  receiver = await startReceiver();
});
afterAll(async () => {
  await sender.close();
  await receiver.close();
});

async function deliver(secrets: readonly string[], body: string, headerStyle?: SignatureHeaderStyle) {
  const msgId = newId('message');
  const headers = buildSignedHeaders({
    msgId,
    timestamp: Math.floor(Date.now() / 1000),
    body,
    secrets,
    ...(headerStyle ? { headerStyle } : {}),
  });
  const result = await sender.send({
    url: `${receiver.url}/hooks`,
    headers: { ...headers, 'content-type': 'application/json' },
    body,
    timeoutMs: 5000,
  });
  expect(classifyResponse(result).kind).toBe('success');
  return receiver.requests.at(-1)!;
}

describe('signed deliveries', () => {
  it('standardwebhooks and svix both verify what arrives (webhook-* headers)', async () => {
    const { secret } = generateEndpointSecret();
    const body = JSON.stringify({
      type: 'order.created',
      timestamp: new Date().toISOString(),
      data: { id: 'o_1', note: 'ünïcødé' },
    });
    const got = await deliver([secret], body);
    expect(got.body.toString('utf8')).toBe(body);
    expect(new StandardWebhook(secret).verify(got.body, got.headers)).toEqual(JSON.parse(body));
    expect(new SvixWebhook(secret).verify(got.body, got.headers)).toEqual(JSON.parse(body));
    expect(got.headers['webhook-id']).toMatch(/^msg_/);
  });

  it('svix verifies deliveries sent with svix-* header names', async () => {
    const { secret } = generateEndpointSecret();
    const got = await deliver([secret], '{"type":"ping"}', 'svix');
    expect(got.headers['svix-signature']).toMatch(/^v1,/);
    expect(got.headers['webhook-signature']).toBeUndefined();
    expect(new SvixWebhook(secret).verify(got.body, got.headers)).toEqual({ type: 'ping' });
  });

  it('during secret rotation both signatures are present and either secret verifies; after the grace period only the new one', async () => {
    const clock = new ManualClock();
    const original = generateEndpointSecret().secret;
    let stored: EndpointSecret[] = [{ secret: original, createdAt: clock.now() }];
    const rotated = rotateSecrets(stored, clock);
    stored = rotated.secrets;
    const body = '{"type":"invoice.paid"}';

    const during = await deliver(activeSecrets(stored, clock.now()), body);
    expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [original, rotated.created.secret]) {
      expect(new StandardWebhook(secret).verify(during.body, during.headers)).toEqual({
        type: 'invoice.paid',
      });
      expect(new SvixWebhook(secret).verify(during.body, during.headers)).toEqual({ type: 'invoice.paid' });
    }

    clock.advance(24 * 3_600_000);
    const after = await deliver(activeSecrets(stored, clock.now()), body);
    expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(new StandardWebhook(rotated.created.secret).verify(after.body, after.headers)).toEqual({
      type: 'invoice.paid',
    });
    expect(() => new StandardWebhook(original).verify(after.body, after.headers)).toThrow(
      /No matching signature/,
    );
  });

  it('a tampered body fails verification at the receiver', async () => {
    const { secret } = generateEndpointSecret();
    const got = await deliver([secret], '{"amount":100}');
    expect(() => new StandardWebhook(secret).verify('{"amount":999}', got.headers)).toThrow(
      /No matching signature/,
    );
  });
});
