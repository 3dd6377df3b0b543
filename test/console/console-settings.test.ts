// The console's advanced settings in a real browser against a real server: an endpoint's headers, secret headers,
// auth and retry edited as JSON and then delivered with, JSON that does not parse refused before any request; a custom source's
// verifier and response and a provider source's options edited, and what the API refuses shown in the form. (The
// grants screen is console-grants.test.ts.)
import { createHmac } from 'node:crypto';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';
import { createEndpoint, createRule, waitForAction, type Receiver } from '../helpers/outbound.js';

const base = '/api/orgs/default/eventhook';

describe.skipIf(!browserAvailable())('web console: advanced settings', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;
  let receiver: Receiver;
  /** The PATCH requests the page sent, in order, with their bodies. */
  const patches: { url: string; body: unknown }[] = [];

  beforeAll(async () => {
    c = await startConsole();
    ({ t, page, receiver } = c);
    page.on('request', (r: Request) => {
      if (r.method() === 'PATCH') patches.push({ url: r.url(), body: r.postDataJSON() });
    });
    await c.signIn();
  }, 60_000);
  afterAll(async () => c?.close());

  it('changes an endpoint’s headers, auth, ordering and retry, which deliveries then follow', async () => {
    await createEndpoint(t, { slug: 'hooks', url: `${receiver.url}/hooks` });
    await c.open('/endpoints');
    await page.getByRole('cell', { name: 'hooks', exact: true }).click();
    await page.getByRole('button', { name: 'Advanced settings' }).click();
    const form = page.locator('form.settings-endpoint');
    const field = (name: string) => form.locator(`[name=${name}]`);
    const save = () => form.getByRole('button', { name: 'Save settings' }).click();
    // Nothing set yet: the fields are empty.
    for (const name of ['headers', 'auth', 'retry']) expect(await field(name).inputValue()).toBe('');
    expect(await field('ordering').inputValue()).toBe('none');

    // JSON that does not parse is refused in the form, and nothing is sent.
    await field('headers').fill('{"x-team": "console"}');
    await field('retry').fill('{"maxAttempts": 3,');
    await save();
    await form.getByText(/^Retry is not JSON: .* Nothing was sent\.$/).waitFor();
    expect(patches).toEqual([]);

    // What the API refuses is shown in the form, field by field; nothing is saved.
    await field('retry').fill('{"maxAttempts": 3, "schedule": ["1s", "5s"]}');
    await field('auth').fill('{"type": "bearer"}');
    await save();
    await form.locator('.problem li', { hasText: '/auth/token: must be a non-empty string' }).waitFor();
    expect(patches).toHaveLength(1);
    expect((await t.api.get(`${base}/endpoints/hooks`)).body.headers).toEqual({});

    await field('auth').fill('{"type": "bearer", "token": "console-bearer-token"}');
    await field('ordering').selectOption('fifo');
    await save();
    await page.getByText('Endpoint hooks saved.').waitFor();
    // The page is drawn again once saved, without the form.
    await form.waitFor({ state: 'detached' });
    // Only the settings changed were sent.
    expect(Object.keys(patches[1]!.body as object).sort()).toEqual(['auth', 'headers', 'ordering', 'retry']);
    const saved = await t.api.get(`${base}/endpoints/hooks`);
    expect(saved.body).toMatchObject({
      headers: { 'x-team': 'console' },
      auth: { type: 'bearer' },
      ordering: 'fifo',
      retry: { maxAttempts: 3, schedule: ['1s', '5s'] },
    });
    expect(saved.text).not.toContain('console-bearer-token');

    // Opened again: the values as the API returns them, the token nowhere on the page.
    await page.getByRole('cell', { name: 'hooks', exact: true }).click();
    await page.getByRole('button', { name: 'Advanced settings' }).click();
    expect(JSON.parse(await field('headers').inputValue())).toEqual({ 'x-team': 'console' });
    expect(JSON.parse(await field('auth').inputValue())).toEqual({ type: 'bearer' });
    expect(JSON.parse(await field('retry').inputValue())).toEqual({ maxAttempts: 3, schedule: ['1s', '5s'] });
    expect(await page.content()).not.toContain('console-bearer-token');

    // Deliveries carry the header and the bearer token.
    await createRule(t, 'to-hooks', 'console.settings', [{ type: 'webhook', endpoint: 'hooks' }]);
    const published = await t.api.post(`${base}/events`, { type: 'console.settings', data: { n: 1 } });
    expect(published.status).toBe(200);
    await waitForAction(t, published.body.eventId, (a) => a.status === 'succeeded');
    const delivered = receiver.requests.find((r) => r.path === '/hooks')!;
    expect(delivered.headers['x-team']).toBe('console');
    expect(delivered.headers.authorization).toBe('Bearer console-bearer-token');

    // Emptied, the retry field sends null, back to the default; nothing else is sent.
    await field('retry').fill('');
    // The flash of the save before may still be shown: wait for this save's answer instead.
    const answered = page.waitForResponse((r) => r.request().method() === 'PATCH');
    await save();
    expect((await answered).status()).toBe(200);
    expect(patches.at(-1)!.body).toEqual({ retry: null });
    const after = (await t.api.get(`${base}/endpoints/hooks`)).body;
    expect(after).toMatchObject({ retry: null, headers: { 'x-team': 'console' }, auth: { type: 'bearer' } });
  });

  it('sets an endpoint’s secret headers without ever showing their values, keeping the ones left masked', async () => {
    const key = 'console-partner-key';
    await createEndpoint(t, {
      slug: 'partner',
      url: `${receiver.url}/partner`,
      secretHeaders: { 'x-partner-key': key },
    });
    await c.open('/endpoints');
    await page.getByRole('cell', { name: 'partner', exact: true }).click();
    await page.getByRole('button', { name: 'Advanced settings' }).click();
    const form = page.locator('form.settings-endpoint');
    const field = (name: string) => form.locator(`[name=${name}]`);
    expect(JSON.parse(await field('secretHeaders').inputValue())).toEqual({ 'x-partner-key': '[redacted]' });
    expect(await page.content()).not.toContain(key);

    // The masked one is kept, a new one is added.
    await field('secretHeaders').fill(
      '{"x-partner-key": "[redacted]", "x-partner-tenant": "console-tenant"}',
    );
    const answered = page.waitForResponse((r) => r.request().method() === 'PATCH');
    await form.getByRole('button', { name: 'Save settings' }).click();
    expect((await answered).status()).toBe(200);
    expect(patches.at(-1)!.body).toEqual({
      secretHeaders: { 'x-partner-key': '[redacted]', 'x-partner-tenant': 'console-tenant' },
    });
    await form.waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: 'partner', exact: true }).click();
    await page.getByRole('button', { name: 'Advanced settings' }).click();
    expect(JSON.parse(await field('secretHeaders').inputValue())).toEqual({
      'x-partner-key': '[redacted]',
      'x-partner-tenant': '[redacted]',
    });
    expect(await page.content()).not.toContain('console-tenant');

    const probe = await t.api.post(`${base}/endpoints/partner/test`, {});
    expect(probe.status, probe.text).toBe(200);
    const delivered = receiver.requests.filter((r) => r.path === '/partner').at(-1)!;
    expect(delivered.headers['x-partner-key']).toBe(key);
    expect(delivered.headers['x-partner-tenant']).toBe('console-tenant');
  });

  it('changes a custom source’s verifier and response, keeping its secret unshown', async () => {
    const secret = 'console-custom-secret';
    const created = await t.api.post(`${base}/sources`, {
      slug: 'custom',
      verifier: { type: 'hmac', header: 'x-sig', algorithm: 'sha256', encoding: 'hex', secret },
    });
    expect(created.status, created.text).toBe(201);
    await c.open('/sources');
    await page.getByRole('cell', { name: 'custom', exact: true }).first().click();
    await page.getByRole('button', { name: 'Advanced settings' }).click();
    const form = page.locator('form.settings-source');
    const field = (name: string) => form.locator(`[name=${name}]`);
    const verifier = JSON.parse(await field('verifier').inputValue());
    expect(verifier).toMatchObject({ type: 'hmac', header: 'x-sig' });
    expect(await page.content()).not.toContain(secret);
    expect(await field('response').inputValue()).toBe('');

    // A verifier the API refuses: its message is shown in the form.
    await field('verifier').fill(JSON.stringify({ ...verifier, encoding: 'base32' }));
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form
      .locator('.problem li', { hasText: /^\/verifier\/encoding: must be one of hex, base64$/ })
      .waitFor();
    expect((await t.api.get(`${base}/sources/custom`)).body.verifier.encoding).toBe('hex');

    await field('verifier').fill(JSON.stringify({ ...verifier, header: 'x-signature' }, null, 2));
    await field('response').fill('{"status": 202, "body": "{\\"received\\": \\"{{eventId}}\\"}"}');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Source custom saved.').waitFor();
    const saved = (await t.api.get(`${base}/sources/custom`)).body;
    expect(saved.verifier).toMatchObject({ type: 'hmac', header: 'x-signature' });
    expect(saved.response).toEqual({ status: 202, body: '{"received": "{{eventId}}"}' });

    // The secret was kept: a webhook signed with it in the new header verifies, and gets the custom response.
    const body = JSON.stringify({ type: 'custom.ping' });
    const res = await fetch(`${t.url}${base}/in/custom`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-signature': createHmac('sha256', secret).update(body).digest('hex'),
      },
      body,
    });
    expect(res.status).toBe(202);
    expect(((await res.json()) as { received: string }).received).toMatch(/^evt_/);
  });

  it('changes a provider source’s options and event type, and empties a setting', async () => {
    const created = await t.api.post(`${base}/sources`, {
      slug: 'square',
      provider: 'square',
      secret: 'square-signature-key',
      options: { notificationUrl: 'https://hooks.example.com/square' },
      response: { status: 204 },
    });
    expect(created.status, created.text).toBe(201);
    await c.open('/sources');
    await page.getByRole('cell', { name: 'square', exact: true }).first().click();
    await page.getByRole('button', { name: 'Advanced settings' }).click();
    const form = page.locator('form.settings-source');
    const field = (name: string) => form.locator(`[name=${name}]`);
    // A provider's verifier comes from its template: no verifier field, the options instead.
    expect(await field('verifier').count()).toBe(0);
    expect(JSON.parse(await field('options').inputValue())).toEqual({
      notificationUrl: 'https://hooks.example.com/square',
    });
    expect(await form.textContent()).toContain('square’s: notificationUrl');

    // Square cannot verify without its notification URL: the API says so, in the form.
    await field('options').fill('');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form
      .locator('.problem li', { hasText: '/options/notificationUrl: is required (a non-empty string)' })
      .waitFor();
    expect(await form.locator('.problem').textContent()).toMatch(/^The change was refused:/);

    await field('options').fill('{"notificationUrl": "https://hooks.example.com/square/v2"}');
    await field('eventType').fill('{"header": "x-kind"}');
    await field('response').fill('');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Source square saved.').waitFor();
    expect(patches.at(-1)!.body).toEqual({
      options: { notificationUrl: 'https://hooks.example.com/square/v2' },
      eventType: { header: 'x-kind' },
      response: null,
    });
    const saved = (await t.api.get(`${base}/sources/square`)).body;
    expect(saved.options).toEqual({ notificationUrl: 'https://hooks.example.com/square/v2' });
    // The template's verifier follows the options.
    expect(saved.verifier.url).toBe('https://hooks.example.com/square/v2');
    expect(saved.eventType).toEqual({ header: 'x-kind' });
    expect(saved.response).toBeUndefined();
    // The only failures the page met were the three refusals above (auth, verifier, options).
    const failures = c.pageErrors();
    expect(failures).toHaveLength(3);
    expect(failures.every((e) => e.includes('status of 400'))).toBe(true);
  });
});
