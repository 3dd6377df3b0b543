// Issue 3, end to end: secrets and rejections. Secrets are never returned by the API, never written in plain text
// to the database file nor to the logs, and survive a restart through the generated master key. Rejected webhooks
// get a generic 401 while the reason is logged and counted per source; storeRejected keeps them (never routed);
// POST /sources/{source}/test names the reason.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { newId } from '../../src/core/ids.js';
import { ApiClient, eventually, OPERATOR_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, createSource, deliver, eventCount, metricValue, storedEvent } from '../helpers/ingest.js';
import { capturedLogger } from '../helpers/logs.js';

const JSON_CT = { 'content-type': 'application/json' };
const GH_SECRET = 'gh-plain-secret-Zq7Xw9';
const HMAC_SECRET = 'hand-hmac-secret-Kp3Rt8';
const ROTATED = 'rotated-secret-Vb6Nm2';
const STRIPE_SECRET = 'whsec_stripe_plain_Hy5Lo1';
const META_SECRET = 'meta-app-secret-Qw4Er5';
const META_TOKEN = 'meta-verify-token-Ui8Op9';
const META_TOKEN_2 = 'meta-verify-token-As2Df3';

/** Meta's subscription check (GET hub.challenge): the challenge comes back only for the source's verify token. */
async function metaChallenge(t: TestApp, token: string, slug = 'meta'): Promise<number> {
  const res = await deliver(t, slug, {
    method: 'GET',
    suffix: `?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${token}`,
  });
  if (res.status === 200) expect(res.text).toBe('1158201444');
  return res.status;
}

/** Eventhook over SQLite with every log line (level trace) captured in memory. */
async function startWithCapturedLogs(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ t: TestApp; logs: () => string; app: App }> {
  const log = capturedLogger('trace');
  const config = loadConfig(
    {
      PORT: '0',
      EVENTHOOK_HOST: '127.0.0.1',
      EVENTHOOK_DATA_DIR: dataDir,
      EVENTHOOK_ADMIN_TOKEN: OPERATOR_TOKEN,
      EVENTHOOK_LOG_LEVEL: 'trace',
      ...env,
    },
    { cwd: dataDir },
  );
  const app = await createApp(config, { logger: log.logger });
  const url = await app.listen();
  const t: TestApp = { app, url, dataDir, api: new ApiClient(url, OPERATOR_TOKEN), close: () => app.close() };
  return { t, app, logs: log.text };
}

/** Every byte Eventhook keeps on disk in its data folder (database, WAL, key file …). */
function diskBytes(dir: string): Buffer {
  return Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));
}

describe('secrets at rest, in responses and in logs (SQLite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'eventhook-secrets-'));
  let t: TestApp;
  let logs: () => string;
  const responses: string[] = [];

  beforeAll(async () => {
    ({ t, logs } = await startWithCapturedLogs(dataDir));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const record = async <T extends { text: string }>(p: Promise<T>): Promise<T> => {
    const res = await p;
    responses.push(res.text);
    return res;
  };

  it('never returns a secret; a generated one is shown once, at creation', async () => {
    await record(t.api.post(`${BASE}/sources`, { slug: 'github', provider: 'github', secret: GH_SECRET }));
    const hand = await record(
      t.api.post(`${BASE}/sources`, {
        slug: 'hand',
        verifier: {
          type: 'hmac',
          algorithm: 'sha256',
          encoding: 'hex',
          header: 'x-signature',
          secret: HMAC_SECRET,
        },
      }),
    );
    expect(hand.body.verifier).toEqual({
      type: 'hmac',
      algorithm: 'sha256',
      encoding: 'hex',
      header: 'x-signature',
    });
    await record(
      t.api.post(`${BASE}/sources`, { slug: 'stripe', provider: 'stripe', secret: STRIPE_SECRET }),
    );
    const generated = await record(
      t.api.post(`${BASE}/sources`, { slug: 'gen', verifier: { type: 'standard_webhooks' } }),
    );
    expect(generated.body.generatedSecret).toMatch(/^whsec_/);
    const rotated = await record(t.api.post(`${BASE}/sources/github/rotate-secret`, { secret: ROTATED }));
    expect(rotated.status).toBe(200);
    expect(rotated.body.secrets).toHaveLength(2);
    expect(rotated.body.generatedSecret).toBeUndefined();
    await record(t.api.patch(`${BASE}/sources/hand`, { description: 'changed' }));
    // Meta's verify token is a provider option, and a secret too: write-only, named as set.
    const meta = await record(
      t.api.post(`${BASE}/sources`, {
        slug: 'meta',
        provider: 'meta',
        secret: META_SECRET,
        options: { verifyToken: META_TOKEN },
      }),
    );
    expect(meta.status).toBe(201);
    expect(meta.body).toMatchObject({ options: {}, secretOptions: ['verifyToken'] });
    const providers = await record(t.api.get(`${BASE}/providers`));
    const metaProvider = providers.body.items.find((p: { id: string }) => p.id === 'meta');
    expect(metaProvider.secretOptions).toEqual(['verifyToken']);
    await record(t.api.get(`${BASE}/sources`));
    for (const s of ['github', 'hand', 'stripe', 'gen', 'meta'])
      await record(t.api.get(`${BASE}/sources/${s}`));
    const all = responses.join('\n');
    for (const secret of [GH_SECRET, HMAC_SECRET, ROTATED, STRIPE_SECRET, META_SECRET, META_TOKEN])
      expect(all).not.toContain(secret);
    // The generated secret appears in the creation response only.
    expect(responses.filter((r) => r.includes(generated.body.generatedSecret))).toHaveLength(1);
  });

  it('the secrets still verify, and none is in the database files or the logs in plain text', async () => {
    const body = '{"zen":"Keep it logically awesome."}';
    for (const [secret, delivery] of [
      [GH_SECRET, 'd-old'],
      [ROTATED, 'd-new'],
    ]) {
      const res = await deliver(t, 'github', {
        headers: {
          ...JSON_CT,
          'x-github-event': 'ping',
          'x-github-delivery': delivery!,
          'x-hub-signature-256': await sign(secret!, body),
        },
        body,
      });
      expect(res.status).toBe(200);
    }
    const hand = await deliver(t, 'hand', {
      headers: { ...JSON_CT, 'x-signature': (await sign(HMAC_SECRET, body)).slice(7) },
      body,
    });
    expect(hand.status).toBe(200);
    const bad = await deliver(t, 'github', {
      headers: { ...JSON_CT, 'x-hub-signature-256': await sign('wrong', body) },
      body,
    });
    expect(bad.status).toBe(401);
    await t.api.post(`${BASE}/sources/github/test`, {
      headers: { 'x-hub-signature-256': await sign(GH_SECRET, body) },
      body,
    });

    expect(await metaChallenge(t, META_TOKEN)).toBe(200);
    expect(await metaChallenge(t, 'guess')).toBe(403);

    const disk = diskBytes(dataDir);
    expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(disk.length).toBeGreaterThan(0);
    for (const secret of [GH_SECRET, HMAC_SECRET, ROTATED, STRIPE_SECRET, META_SECRET, META_TOKEN]) {
      expect(disk.includes(Buffer.from(secret)), `${secret} on disk`).toBe(false);
      expect(logs(), `${secret} in the logs`).not.toContain(secret);
    }
    // The rejection was logged with its reason (and only that).
    expect(logs()).toMatch(/"reason":"no_matching_signature".*"msg":"webhook rejected"/);
  });

  it('a restart reads the generated master key back, so sealed secrets keep verifying', async () => {
    // A source saved before secret options were sealed keeps its verify token in plain text: a start seals it.
    const meta = (await t.app.store.sources.get('default', 'meta'))!;
    await t.app.store.sources.insert({
      ...meta,
      id: newId('source'),
      slug: 'meta-legacy',
      settings: { options: { verifyToken: META_TOKEN } },
    });
    await t.close();
    ({ t, logs } = await startWithCapturedLogs(dataDir));
    const legacy = (await t.app.store.sources.get('default', 'meta-legacy'))!;
    expect(JSON.stringify(legacy.settings)).not.toContain(META_TOKEN);
    expect((await t.api.get(`${BASE}/sources/meta-legacy`)).body.secretOptions).toEqual(['verifyToken']);
    expect(await metaChallenge(t, META_TOKEN, 'meta-legacy')).toBe(200);
    const body = '{"after":"restart"}';
    const res = await deliver(t, 'github', {
      headers: {
        ...JSON_CT,
        'x-github-event': 'ping',
        'x-github-delivery': 'd-restart',
        'x-hub-signature-256': await sign(ROTATED, body),
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(await metaChallenge(t, META_TOKEN)).toBe(200);
  });

  it('a secret option is kept when an update leaves it out, replaced when given, and dropped with its provider', async () => {
    const kept = await t.api.patch(`${BASE}/sources/meta`, { options: {}, description: 'options cleared' });
    expect(kept.status).toBe(200);
    expect(kept.body.secretOptions).toEqual(['verifyToken']);
    expect(await metaChallenge(t, META_TOKEN)).toBe(200);

    const replaced = await t.api.patch(`${BASE}/sources/meta`, { options: { verifyToken: META_TOKEN_2 } });
    expect(replaced.status).toBe(200);
    expect(replaced.text).not.toContain(META_TOKEN_2);
    expect(await metaChallenge(t, META_TOKEN_2)).toBe(200);
    expect(await metaChallenge(t, META_TOKEN)).toBe(403);
    // Meta needs one: removing it is refused, and the source keeps the one it has.
    const removed = await t.api.patch(`${BASE}/sources/meta`, { options: { verifyToken: null } });
    expect(removed.status).toBe(400);
    expect(removed.text).toContain('verifyToken');
    expect(await metaChallenge(t, META_TOKEN_2)).toBe(200);
    expect(diskBytes(dataDir).includes(Buffer.from(META_TOKEN_2))).toBe(false);

    // Another provider has no use for the token: it is not kept, in plain text or otherwise.
    const moved = await t.api.patch(`${BASE}/sources/meta`, { provider: 'github', secret: GH_SECRET });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ provider: 'github', options: {}, secretOptions: [] });
    const stored = (await t.app.store.sources.get('default', 'meta'))!.settings as Record<string, unknown>;
    expect(stored.sealedOptions).toBeUndefined();
    expect(JSON.stringify(stored)).not.toContain(META_TOKEN_2);
  });

  it('with another master key the process refuses to start, and the sealed secrets stay closed to it', async () => {
    await t.close();
    // It used to start, say it was ready, and answer every signed webhook 401 (misconfigured).
    await expect(
      startWithCapturedLogs(dataDir, { EVENTHOOK_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') }),
    ).rejects.toThrow(/the master key does not open the key check value in this store/);
    // The key the secrets were sealed with still opens them.
    ({ t, logs } = await startWithCapturedLogs(dataDir));
    const body = '{"after":"key check"}';
    const res = await deliver(t, 'github', {
      headers: {
        ...JSON_CT,
        'x-github-event': 'ping',
        'x-github-delivery': 'd-key',
        'x-hub-signature-256': await sign(ROTATED, body),
      },
      body,
    });
    expect(res.status, res.text).toBe(200);
  });
});

describe('rejections: generic 401, reasons logged and counted, storeRejected, source test (SQLite)', () => {
  let t: TestApp;
  const secret = 'whsec_reject_secret';

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    await createSource(t, { slug: 'stripe', provider: 'stripe', secret, storeRejected: true });
    await t.api.post(`${BASE}/rules`, {
      name: 'all-stripe',
      pattern: { source: ['webhook:stripe'] },
      targets: [{ type: 'task', kind: 'stripe' }],
    });
  });
  afterAll(async () => t?.close());

  const body = '{"id":"evt_R1","type":"charge.succeeded","data":{"object":{"id":"ch_1"}}}';
  const now = () => Math.floor(Date.now() / 1000);
  const header = (ts: number, key = secret) =>
    Stripe.webhooks.generateTestHeaderString({ payload: body, secret: key, timestamp: ts });

  it('answers every failure the same way, counts each reason per source, and keeps them as rejected events', async () => {
    const failures: [string, Record<string, string>][] = [
      ['missing_signature', {}],
      ['bad_encoding', { 'stripe-signature': `t=${now()},v1=not-hex` }],
      ['stale_timestamp', { 'stripe-signature': header(now() - 3600) }],
      ['no_matching_signature', { 'stripe-signature': header(now(), 'whsec_other') }],
    ];
    const answers = new Set<string>();
    for (const [reason, headers] of failures) {
      const res = await deliver(t, 'stripe', { headers: { ...JSON_CT, ...headers }, body });
      expect(res.status, reason).toBe(401);
      answers.add(JSON.stringify({ ...res.json, instance: undefined }));
      expect(
        await metricValue(t, 'eventhook_webhooks_rejected_total', {
          org: 'default',
          source: 'stripe',
          reason,
        }),
        reason,
      ).toBe(1);
    }
    expect(answers.size).toBe(1);
    const verified = () =>
      metricValue(t, 'eventhook_webhooks_verified_total', {
        org: 'default',
        source: 'stripe',
        verifier: 'hmac',
      });
    expect(await verified()).toBe(0);

    const rejected = await t.api.get(`${BASE}/events?status=rejected`);
    expect(rejected.body.items).toHaveLength(4);
    const errors = rejected.body.items.map((e: { error: string }) => e.error.split(':')[0]).sort();
    expect(errors).toEqual(failures.map(([r]) => r).sort());
    const one = await storedEvent(t, rejected.body.items[0].id);
    expect(one).toMatchObject({ type: 'rejected', status: 'rejected', data: null });
    expect(one.rawBody?.toString()).toBe(body);

    // A good one is routed; the rejected ones never are.
    const good = await deliver(t, 'stripe', {
      headers: { ...JSON_CT, 'stripe-signature': header(now()) },
      body,
    });
    expect(good.status).toBe(200);
    expect(await verified()).toBe(1);
    // A redelivery verifies again (it is counted as verified and as a duplicate, not as a new event).
    const again = await deliver(t, 'stripe', {
      headers: { ...JSON_CT, 'stripe-signature': header(now()) },
      body,
    });
    expect(again.json).toMatchObject({ eventId: good.json.eventId, duplicate: true });
    expect(await verified()).toBe(2);
    expect(await metricValue(t, 'eventhook_events_received_total', { source: 'stripe' })).toBe(1);
    await eventually(
      async () => (await t.api.get(`${BASE}/events/${good.json.eventId}`)).body.status === 'routed',
      10_000,
      'routing',
    );
    for (const e of rejected.body.items) {
      expect((await t.api.get(`${BASE}/actions?event=${e.id}`)).body.items).toEqual([]);
      expect((await t.api.get(`${BASE}/events/${e.id}`)).body.status).toBe('rejected');
    }
  });

  it('POST /sources/{source}/test says whether a request verifies and why not, storing nothing', async () => {
    const before = await eventCount(t);
    const ok = await t.api.post(`${BASE}/sources/stripe/test`, {
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': header(now()) },
      body,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      verified: true,
      verifierType: 'hmac',
      eventType: 'charge.succeeded',
      subject: 'ch_1',
      idempotencyKey: 'evt_R1',
    });
    const stale = await t.api.post(`${BASE}/sources/stripe/test`, {
      headers: { 'stripe-signature': header(now() - 3600) },
      body,
    });
    expect(stale.body).toMatchObject({
      verified: false,
      reason: 'stale_timestamp',
      detail: expect.any(String),
    });
    const base64 = await t.api.post(`${BASE}/sources/stripe/test`, {
      headers: { 'stripe-signature': header(now()) },
      bodyBase64: Buffer.from(body.replace('ch_1', 'ch_2')).toString('base64'),
    });
    expect(base64.body).toMatchObject({ verified: false, reason: 'no_matching_signature' });
    expect(JSON.stringify([ok.body, stale.body, base64.body])).not.toContain(secret);
    expect(await eventCount(t)).toBe(before);
    expect((await t.api.post(`${BASE}/sources/nope/test`, { body })).status).toBe(404);
    // A sample URL that is not one is the caller's mistake, said precisely.
    for (const url of ['[', 'not a url', '/in/stripe']) {
      const bad = await t.api.post(`${BASE}/sources/stripe/test`, { body, url });
      expect(bad.status, url).toBe(400);
      expect(bad.body).toMatchObject({
        code: 'EH_REQUEST_INVALID',
        errors: [{ path: '/url', message: 'must be an absolute URL' }],
      });
    }
  });

  it('POST /sources/{source}/test of a request pasted after its timestamp’s tolerance still says whether its signature matches', async () => {
    // A delivery copied from Stripe's log an hour later: the time alone is off, or the secret is wrong too.
    // The age in seconds depends on when in its second the request was signed.
    const pasted = async (key: string) => {
      const res = await t.api.post(`${BASE}/sources/stripe/test`, {
        headers: { ...JSON_CT, 'stripe-signature': header(now() - 3600, key) },
        body,
      });
      return { ...res.body, detail: String(res.body.detail).replace(/is 36\d\d s old/, 'is 3600 s old') };
    };
    expect(await pasted(secret)).toEqual({
      verified: false,
      verifierType: 'hmac',
      reason: 'stale_timestamp',
      detail:
        'the signed timestamp is 3600 s old (tolerance 300 s); apart from the time it verifies: the secret and ' +
        'the body are right (a request tried after its time, or clocks apart)',
    });
    expect(await pasted('whsec_other')).toMatchObject({
      reason: 'stale_timestamp',
      detail:
        'the signed timestamp is 3600 s old (tolerance 300 s); apart from the time it does not verify either: ' +
        'no sha256 signature in header stripe-signature matches the secret',
    });
    // Standard Webhooks too (Svix, Clerk, Resend).
    const svixSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    await createSource(t, { slug: 'svix', provider: 'svix', secret: svixSecret });
    const ts = now() - 7200;
    const signature = new StandardWebhook(svixSecret).sign('msg_1', new Date(ts * 1000), body);
    const svix = await t.api.post(`${BASE}/sources/svix/test`, {
      headers: { ...JSON_CT, 'svix-id': 'msg_1', 'svix-timestamp': String(ts), 'svix-signature': signature },
      body,
    });
    expect(svix.body.detail).toContain('; apart from the time it verifies');
  });

  it('POST /sources/{source}/test names the URL a URL-signing provider’s signature was checked over (a proxy in front)', async () => {
    await createSource(t, { slug: 'twilio', provider: 'twilio', secret: 'twilio-auth-token' });
    // Twilio signed the public URL; behind a proxy Eventhook sees another one.
    const ingest = `${t.url}${BASE}/in/twilio`;
    const publicUrl = `https://hooks.example.com${BASE}/in/twilio`;
    const params = { MessageSid: 'SM1', MessageStatus: 'delivered' };
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature('twilio-auth-token', publicUrl, params),
    };
    const form = new URLSearchParams(params).toString();
    const behindProxy = await t.api.post(`${BASE}/sources/twilio/test`, { headers, body: form });
    expect(behindProxy.body).toEqual({
      verified: false,
      verifierType: 'hmac',
      reason: 'no_matching_signature',
      detail:
        `no sha1 signature in header x-twilio-signature matches the secret over the URL ${ingest}; ` +
        'if the provider calls another URL (a proxy in front), the source must know it',
    });
    const given = await t.api.post(`${BASE}/sources/twilio/test`, { headers, body: form, url: publicUrl });
    expect(given.body).toMatchObject({ verified: true, eventType: 'message.delivered' });
    // A body-only signature says nothing of URLs.
    const stripe = await t.api.post(`${BASE}/sources/stripe/test`, {
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
      body: '{}',
    });
    expect(stripe.body.detail).not.toContain('URL');
  });
});
