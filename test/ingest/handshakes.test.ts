// Each challenge handshake returns exactly what its provider expects, and nothing for ordinary requests.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  discordPing,
  dropboxChallenge,
  graphValidationToken,
  metaVerifyChallenge,
  slackUrlVerification,
  twitchCallbackVerification,
  xCrc,
  zoomUrlValidation,
} from '../../src/ingest/handshakes.js';
import { getProvider } from '../../src/ingest/providers/index.js';
import { inbound, parsedBody } from './fixtures.js';

const JSON_CT = { 'content-type': 'application/json' };
const ctx = (options: Record<string, unknown> = {}, secrets = ['s3cret']) => ({ now: 0, secrets, options });
const run = (h: typeof slackUrlVerification, req: ReturnType<typeof inbound>, c = ctx()) =>
  h.respond(req, parsedBody(req), c);

describe('handshakes', () => {
  it('Slack url_verification echoes the challenge as JSON, after verification', () => {
    const req = inbound({
      headers: JSON_CT,
      body: '{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}',
    });
    const res = run(slackUrlVerification, req);
    expect(res).toEqual({
      status: 200,
      headers: JSON_CT,
      body: '{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}',
    });
    expect(slackUrlVerification.phase).toBe('after');
    expect(
      run(slackUrlVerification, inbound({ headers: JSON_CT, body: '{"type":"event_callback"}' })),
    ).toBeUndefined();
  });

  it('Meta GET hub.challenge is echoed for the right verify token, 403 otherwise', () => {
    const url = (token: string) =>
      `https://h.example.com/in/m?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`;
    const ok = metaVerifyChallenge.respond(
      inbound({ method: 'GET', url: url('vt') }),
      undefined,
      ctx({ verifyToken: 'vt' }),
    );
    expect(ok).toMatchObject({
      status: 200,
      body: '1158201444',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
    const bad = metaVerifyChallenge.respond(
      inbound({ method: 'GET', url: url('guess') }),
      undefined,
      ctx({ verifyToken: 'vt' }),
    );
    expect(bad).toMatchObject({ status: 403 });
    expect(bad?.body).not.toContain('1158201444');
    expect(
      metaVerifyChallenge.respond(inbound({ method: 'GET', url: url('vt') }), undefined, ctx()),
    ).toMatchObject({ status: 403 });
    expect(
      metaVerifyChallenge.respond(inbound({ method: 'POST' }), undefined, ctx({ verifyToken: 'vt' })),
    ).toBeUndefined();
    expect(metaVerifyChallenge.phase).toBe('before');
  });

  it('Zoom endpoint.url_validation returns plainToken and its HMAC with the secret token', () => {
    const req = inbound({
      headers: JSON_CT,
      body: '{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}',
    });
    const res = run(zoomUrlValidation, req, ctx({}, ['zoom-token', 'older']));
    const encryptedToken = createHmac('sha256', 'zoom-token').update('qgg8vlvZRS6UYooatFL8Aw').digest('hex');
    expect(res).toMatchObject({ status: 200, headers: JSON_CT });
    expect(JSON.parse(res?.body ?? '')).toEqual({ plainToken: 'qgg8vlvZRS6UYooatFL8Aw', encryptedToken });
  });

  it('Twitch webhook_callback_verification returns the raw challenge as text/plain', () => {
    const req = inbound({
      headers: { ...JSON_CT, 'twitch-eventsub-message-type': 'webhook_callback_verification' },
      body: '{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"type":"channel.follow"}}',
    });
    expect(run(twitchCallbackVerification, req)).toMatchObject({
      status: 200,
      body: 'pogchamp-kappa-360noscope-vohiyo',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
    const notification = inbound({
      headers: { ...JSON_CT, 'twitch-eventsub-message-type': 'notification' },
      body: '{"challenge":"x"}',
    });
    expect(run(twitchCallbackVerification, notification)).toBeUndefined();
  });

  it('Microsoft Graph validationToken is returned decoded, as text/plain, before verification', () => {
    const req = inbound({
      url: 'https://h.example.com/in/g?validationToken=Validation%3A%20Testing%20client%20application%20reachability',
    });
    expect(graphValidationToken.respond(req, undefined, ctx())).toEqual({
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
      body: 'Validation: Testing client application reachability',
    });
    expect(graphValidationToken.phase).toBe('before');
  });

  it('Discord PING gets PONG {type:1}; a webhook-event PING gets 204; other interactions pass through', () => {
    expect(
      run(discordPing, inbound({ headers: JSON_CT, body: '{"type":1,"id":"1","token":"t","version":1}' })),
    ).toEqual({ status: 200, headers: JSON_CT, body: '{"type":1}' });
    expect(
      run(discordPing, inbound({ headers: JSON_CT, body: '{"version":1,"application_id":"1","type":0}' })),
    ).toEqual({ status: 204, headers: {}, body: '' });
    expect(
      run(
        discordPing,
        inbound({
          headers: JSON_CT,
          body: '{"version":1,"type":1,"event":{"type":"APPLICATION_AUTHORIZED"}}',
        }),
      ),
    ).toBeUndefined();
    expect(run(discordPing, inbound({ headers: JSON_CT, body: '{"type":2}' }))).toBeUndefined();
  });

  it('Dropbox GET challenge is echoed as text/plain with nosniff', () => {
    const res = dropboxChallenge.respond(
      inbound({ method: 'GET', url: 'https://h.example.com/in/d?challenge=abc123' }),
      undefined,
      ctx(),
    );
    expect(res).toEqual({
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
      body: 'abc123',
    });
  });

  it('X CRC returns sha256= + base64 HMAC of the crc_token with the consumer secret', () => {
    const res = xCrc.respond(
      inbound({ method: 'GET', url: 'https://h.example.com/in/x?crc_token=token123' }),
      undefined,
      ctx({}, ['consumer']),
    );
    const expected = `sha256=${createHmac('sha256', 'consumer').update('token123').digest('base64')}`;
    expect(JSON.parse(res?.body ?? '')).toEqual({ response_token: expected });
    expect(
      xCrc.respond(inbound({ method: 'GET', url: 'https://h.example.com/in/x' }), undefined, ctx()),
    ).toBeUndefined();
  });

  it('each handshake is wired to its provider', () => {
    const wired = {
      slack: slackUrlVerification,
      meta: metaVerifyChallenge,
      zoom: zoomUrlValidation,
      twitch: twitchCallbackVerification,
      'microsoft-graph': graphValidationToken,
      discord: discordPing,
      dropbox: dropboxChallenge,
      x: xCrc,
    };
    for (const [id, handshake] of Object.entries(wired))
      expect(getProvider(id)?.handshake, id).toBe(handshake);
  });
});
