// `eventhook export` as a user runs it, against real servers: the org's configuration comes out as an apply file
// with no secret in it, applying it to the same server changes nothing, and applying it to a new server (secrets
// given through the variables the file lists) makes one that exports the same file and verifies the same webhooks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEndpointSecret } from '../../src/delivery/endpoint-secrets.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, createSource, deliver, githubPushHeaders } from '../helpers/ingest.js';
import { runCli, runJson, serverEnv, tempDir } from './helpers.js';

const SECRETS = {
  SOURCE_GITHUB_SECRET: 'gh-webhook-secret',
  SOURCE_SIGNED_SECRET: 'custom-hmac-secret',
  SOURCE_WHATSAPP_SECRET: 'meta-app-secret',
  SOURCE_WHATSAPP_VERIFYTOKEN: 'meta-verify-token',
  ENDPOINT_BILLING_AUTH_TOKEN: 'billing-bearer-token',
  ENDPOINT_BILLING_HEADER_X_PARTNER_KEY: 'billing-partner-key',
  ENDPOINT_BILLING_HEADER_X_API_KEY: 'billing-plain-api-key',
  ENDPOINT_BILLING_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  ENDPOINT_PLAIN_SECRET: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
  ENDPOINT_SIGNED_ED_SECRET: generateEndpointSecret('ed25519').secret,
};
/** A JavaScript filter naming something that looks like an environment reference: apply must keep it as is. */
const FILTER = 'function filter(event) { return event.data.note !== "${NOT_A_VARIABLE}"; }';

describe('eventhook export', { timeout: 120_000 }, () => {
  let a: TestApp;
  let b: TestApp;
  const files = tempDir();

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestApp('sqlite'), startTestApp('sqlite')]);
    for (const t of [a, b]) expect((await t.api.post('/api/orgs', { slug: 'shop' })).status).toBe(201);
    await createSource(a, {
      slug: 'github',
      provider: 'github',
      secret: SECRETS.SOURCE_GITHUB_SECRET,
      rateLimit: { perSecond: 50 },
    });
    await createSource(a, {
      slug: 'signed',
      name: 'Signed by hand',
      description: 'a custom HMAC source',
      verifier: {
        type: 'hmac',
        algorithm: 'sha256',
        encoding: 'hex',
        header: 'X-Signature',
        secret: SECRETS.SOURCE_SIGNED_SECRET,
      },
      eventType: { header: 'x-event' },
    });
    await createSource(a, {
      slug: 'whatsapp',
      provider: 'meta',
      secret: SECRETS.SOURCE_WHATSAPP_SECRET,
      options: { verifyToken: SECRETS.SOURCE_WHATSAPP_VERIFYTOKEN },
      enabled: false,
    });
    for (const body of [
      {
        slug: 'billing',
        url: 'https://billing.example.com/hooks',
        // A credential kept in a plain header: the server shows it masked, so export must not write the mask.
        headers: { 'x-team': 'billing', 'x-api-key': SECRETS.ENDPOINT_BILLING_HEADER_X_API_KEY },
        auth: { type: 'bearer', token: SECRETS.ENDPOINT_BILLING_AUTH_TOKEN },
        secretHeaders: { 'x-partner-key': SECRETS.ENDPOINT_BILLING_HEADER_X_PARTNER_KEY },
        secrets: [SECRETS.ENDPOINT_BILLING_SECRET],
        retry: { schedule: ['10s', '1m'], maxAttempts: 3 },
        rateLimit: 20,
        timeoutMs: 2000,
        status: 'paused',
      },
      { slug: 'plain', url: 'https://plain.example.com/in', secrets: [SECRETS.ENDPOINT_PLAIN_SECRET] },
      {
        slug: 'signed-ed',
        url: 'https://ed.example.com/in',
        secrets: [SECRETS.ENDPOINT_SIGNED_ED_SECRET],
      },
    ]) {
      const res = await a.api.post(`${BASE}/endpoints`, body);
      expect(res.status, res.text).toBe(201);
    }
    const rule = await a.api.post(`${BASE}/rules`, {
      name: 'paid-orders',
      description: 'paid orders to billing',
      pattern: { type: ['order.paid'], data: { total: [{ numeric: ['>=', 100] }] } },
      filter: FILTER,
      targets: [
        { type: 'webhook', endpoint: 'billing', input: { template: '{"order": "{{data.id}}"}' } },
        { type: 'webhook', endpoint: 'plain' },
      ],
    });
    expect(rule.status, rule.text).toBe(201);
    const grant = await a.api.post(`${BASE}/grants`, { fromOrg: 'shop', eventTypes: ['order.*'] });
    expect(grant.status, grant.text).toBe(201);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('writes the configuration with every secret as a listed ${NAME} reference, and none of their values', async () => {
    const file = join(files.dir, 'a.yaml');
    const run = await runCli(['export', '-f', file], serverEnv(a));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/set 10 environment variables/);
    const text = readFileSync(file, 'utf8');
    for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
    // Each variable is named in the header, once, with what it is for.
    for (const name of Object.keys(SECRETS)) expect(text).toMatch(new RegExp(`^#\\s+${name}\\s+\\S`, 'm'));

    const exported = parse(text);
    expect(exported.org).toBe('default');
    expect(exported.sources).toEqual([
      { slug: 'github', provider: 'github', secret: '${SOURCE_GITHUB_SECRET}', rateLimit: { perSecond: 50 } },
      {
        slug: 'signed',
        name: 'Signed by hand',
        description: 'a custom HMAC source',
        verifier: { type: 'hmac', algorithm: 'sha256', encoding: 'hex', header: 'X-Signature' },
        secret: '${SOURCE_SIGNED_SECRET}',
        eventType: { header: 'x-event' },
      },
      {
        slug: 'whatsapp',
        enabled: false,
        provider: 'meta',
        secret: '${SOURCE_WHATSAPP_SECRET}',
        options: { verifyToken: '${SOURCE_WHATSAPP_VERIFYTOKEN}' },
      },
    ]);
    expect(exported.endpoints[0]).toMatchObject({
      slug: 'billing',
      url: 'https://billing.example.com/hooks',
      headers: { 'x-team': 'billing', 'x-api-key': '${ENDPOINT_BILLING_HEADER_X_API_KEY}' },
      auth: { type: 'bearer', token: '${ENDPOINT_BILLING_AUTH_TOKEN}' },
      secretHeaders: { 'x-partner-key': '${ENDPOINT_BILLING_HEADER_X_PARTNER_KEY}' },
      secrets: ['${ENDPOINT_BILLING_SECRET}'],
      retry: { schedule: ['10s', '1m'], maxAttempts: 3 },
      rateLimit: 20,
      timeoutMs: 2000,
      status: 'paused',
    });
    expect(exported.endpoints[1]).not.toHaveProperty('status');
    // No timeoutMs given: the deployment's default applies, and the file must not freeze today's value of it.
    expect(exported.endpoints[1]).not.toHaveProperty('timeoutMs');
    // Each secret's kind is named, for the right kind of value to be given.
    expect(text).toMatch(/ENDPOINT_PLAIN_SECRET\s+endpoint plain: its signing secret \(whsec_…\)/);
    expect(text).toMatch(
      /ENDPOINT_SIGNED_ED_SECRET\s+endpoint signed-ed: its signing secret \(whsk_…, Ed25519\)/,
    );
    // The filter's look-alike reference is escaped, for apply to write it back literally.
    expect(exported.rules[0].filter).toBe(FILTER.replace('${', () => '$${'));
    expect(exported.grants).toEqual([{ from: 'shop', types: ['order.*'] }]);

    const again = await runCli(['export', '-f', file], serverEnv(a));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists; export never overwrites/);
  });

  it('applied to the same server, changes nothing', async () => {
    const file = join(files.dir, 'a.yaml');
    const dry = await runCli(['apply', '-f', file, '--dry-run'], { ...serverEnv(a), ...SECRETS });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('No changes: org default matches the file.');
    // Without the secrets, apply says which variables to set.
    const bare = await runCli(['apply', '-f', file, '--dry-run'], serverEnv(a));
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('${SOURCE_GITHUB_SECRET} is not set');
  });

  it('applied to a new server, makes one that exports the same file and verifies the same webhooks', async () => {
    const file = join(files.dir, 'a.yaml');
    const applied = await runCli(['apply', '-f', file], { ...serverEnv(b), ...SECRETS });
    expect(applied.code, applied.stderr).toBe(0);
    const fromB = await runCli(['export'], serverEnv(b));
    expect(fromB.code, fromB.stderr).toBe(0);
    expect(fromB.stdout).toBe(readFileSync(file, 'utf8'));

    // The secrets came through the variables: a push signed with GitHub's secret verifies on the new server.
    const body = JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'octo/repo' } });
    const ok = await deliver(b, 'github', {
      headers: await githubPushHeaders(SECRETS.SOURCE_GITHUB_SECRET, body, 'export-1'),
      body,
    });
    expect(ok.status, ok.text).toBe(200);
    const forged = await deliver(b, 'github', {
      headers: await githubPushHeaders('another-secret', body, 'export-2'),
      body,
    });
    expect(forged.status).toBe(401);
    // And the filter is the original, its look-alike reference included.
    const rules = (await b.api.get(`${BASE}/rules`)).body.items;
    expect(rules[0].filter).toBe(FILTER);
    // The secret header's value came through its variable too, sealed as on the first server.
    const billing = await b.app.store.endpoints.get('default', 'billing');
    expect(Object.keys(billing!.secretHeaders)).toEqual(['x-partner-key']);
    expect(JSON.stringify(billing)).not.toContain(SECRETS.ENDPOINT_BILLING_HEADER_X_PARTNER_KEY);
  });

  it('-o json writes the bare file, the variables to set on stderr', async () => {
    const run = await runCli(['export', '-o', 'json'], serverEnv(a));
    expect(run.code, run.stderr).toBe(0);
    const exported = JSON.parse(run.stdout);
    expect(Object.keys(exported)).toEqual(['org', 'sources', 'endpoints', 'rules', 'grants']);
    expect(run.stderr).toContain('set ENDPOINT_PLAIN_SECRET: endpoint plain: its signing secret (whsec_…)');
    expect(await runJson(['export'], serverEnv(b))).toEqual(exported);
  });
});
