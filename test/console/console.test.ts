// The web console in a real browser (Debian's Chromium, driven by playwright-core) against a real server: sign in,
// a source's URL and setup hints, a new source, a webhook appearing live in the log, its detail (headers, raw body,
// actions) and replay, a pattern tested and saved, an endpoint's health, the dead-letter queue retried, and sources
// and endpoints changed, given new secrets (checked by signing and verifying with them) and deleted.
import { execFile } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeadEndRule, eventually, OPERATOR_TOKEN, type TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';
import { childEnv } from '../cli/helpers.js';
import { createSource, githubPushHeaders } from '../helpers/ingest.js';
import { createEndpoint, startReceiver, waitForAction, type Receiver } from '../helpers/outbound.js';

const SECRET = 'console-github-secret';
const base = '/api/orgs/default/eventhook';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs a command the page shows, as a user pastes it into a shell in the Eventhook folder (`npx eventhook` is this
 * package's CLI there; offline, so that npx can never fetch a package of that name instead); fails on exit status.
 */
async function shell(command: string): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)('bash', ['-c', command], {
    cwd: ROOT,
    env: { ...childEnv(), npm_config_offline: 'true' },
    timeout: 60_000,
  });
}

/** The request a curl command the page shows makes (its words in single quotes, as the page writes them). */
function curlRequest(command: string): { url: string; init: RequestInit } {
  const words = [...command.replaceAll('\\\n', ' ').matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
  expect(words[0]).toBe('curl');
  const headers: Record<string, string> = {};
  const init: RequestInit = { headers };
  let url = '';
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (word === '-X') init.method = words[++i];
    else if (word === '-d') init.body = words[++i];
    else if (word === '-H') {
      const [name, ...value] = words[++i]!.split(':');
      headers[name!.trim()] = value.join(':').trim();
    } else if (word === '-u') headers.authorization = `Basic ${Buffer.from(words[++i]!).toString('base64')}`;
    else url = word;
  }
  return { url, init };
}

describe.skipIf(!browserAvailable())('web console', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;
  let receiver: Receiver;

  beforeAll(async () => {
    // Endpoints may point at the receiver on loopback, to check how deliveries are signed.
    c = await startConsole();
    ({ t, page, receiver } = c);
    await createSource(t, { slug: 'github', name: 'GitHub', provider: 'github', secret: SECRET });
  }, 60_000);
  afterAll(async () => c?.close());

  const pageErrors = () => c.pageErrors();
  const sendPush = async (ref: string) => {
    const body = JSON.stringify({ ref, repository: { full_name: 'octo/console' } });
    const res = await fetch(`${t.url}${base}/in/github`, {
      method: 'POST',
      headers: await githubPushHeaders(SECRET, body, randomUUID()),
      body,
    });
    expect(res.status).toBe(200);
    return { body, eventId: ((await res.json()) as { eventId: string }).eventId };
  };
  const open = (hash: string) => c.open(hash);
  /** Clicks a Delete button, cancels the confirmation and then accepts it; resolves the question asked. */
  const deleteAfterAsking = (what: string) => c.deleteAfterAsking(`${base}/${what}`);

  it('is served at / with a policy that keeps the page to its own scripts', async () => {
    const res = await fetch(`${t.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await fetch(`${t.url}/console/app.js`)).headers.get('content-type')).toContain('text/javascript');
    // fetch would normalise a literal ../ away; encoded, it reaches the server as it is.
    for (const path of [
      '/console/..%2fpackage.json',
      '/console/%2e%2e/package.json',
      '/console/..%2f..%2fetc%2fpasswd',
    ])
      expect((await fetch(`${t.url}${path}`)).status, path).toBe(404);
    expect((await fetch(`${t.url}/console/nothing.js`)).status).toBe(404);
  });

  it('refuses a wrong key and signs in with a right one', async () => {
    await page.goto(`${t.url}/`);
    await page.fill('input[name=token]', 'ehk_wrong');
    await page.click('button[type=submit]');
    await page.getByText('That key was refused').waitFor();
    await page.fill('input[name=token]', OPERATOR_TOKEN);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    expect(await page.textContent('#who')).toContain('org default');
    // The refusal was about the other key: it is gone once this one is taken, not a few seconds later.
    await page.getByText('live', { exact: true }).waitFor();
    expect(await page.textContent('#flash')).toBe('');
  });

  it('shows a source’s ingest URL and setup hints, and creates a source with a provider', async () => {
    await page.goto(`${t.url}/#/sources`);
    await page.getByRole('cell', { name: 'github', exact: true }).first().click();
    await expect.poll(() => page.textContent('code.ingest-url')).toBe(`${t.url}${base}/in/github`);
    expect(await page.textContent('main')).toContain('Repository (or organization) → Settings → Webhooks');
    await page.fill('input[name=slug]', 'stripe-live');
    await page.selectOption('select[name=provider]', 'stripe');
    await page.fill('input[name=secret]', 'whsec_console_test');
    await page.click('text=Create source');
    await page.getByRole('cell', { name: 'stripe-live', exact: true }).waitFor();
    const sources = await t.api.get(`${base}/sources`);
    expect(sources.body.items.map((s: { slug: string }) => s.slug)).toContain('stripe-live');
  });

  it('creates a source whose provider needs options (Square’s notificationUrl), saying where its secret comes from', async () => {
    await open('/sources');
    const secretLabel = () =>
      page.locator('label', { has: page.locator('input[name=secret]') }).textContent();
    // Typeform's secret is yours to choose; Square's is the one Square shows.
    await page.selectOption('select[name=provider]', 'typeform');
    expect(await secretLabel()).toContain('give Typeform the same');
    expect(await page.isVisible('textarea[name=options]')).toBe(false);
    await page.selectOption('select[name=provider]', 'square');
    expect(await secretLabel()).toContain('exactly as Square shows it');
    const options = page.locator('label', { has: page.locator('textarea[name=options]') });
    expect(await options.textContent()).toContain('notificationUrl (required)');
    await page.fill('input[name=slug]', 'square-shop');
    await page.fill('input[name=secret]', 'square-signature-key');
    const url = `https://hooks.example.com${base}/in/square-shop`;
    await page.fill('textarea[name=options]', JSON.stringify({ notificationUrl: url }));
    await page.click('text=Create source');
    await page.getByRole('cell', { name: 'square-shop', exact: true }).waitFor();
    const made = (await t.api.get(`${base}/sources/square-shop`)).body;
    expect(made).toMatchObject({ provider: 'square', options: { notificationUrl: url } });
    // Left empty where you choose it, Eventhook makes the secret and shows it once; it verifies GitHub's signature.
    await page.selectOption('select[name=provider]', 'github');
    expect(await secretLabel()).toContain('empty: Eventhook makes one, shown once');
    await page.fill('input[name=slug]', 'github-made');
    await page.fill('input[name=secret]', '');
    await page.click('text=Create source');
    const once = page.locator('.secret-once code');
    await once.waitFor();
    expect(await page.locator('.secret-once').textContent()).toContain(
      'The secret of source github-made, shown once (give it to GitHub)',
    );
    const madeSecret = (await once.textContent())!;
    expect(madeSecret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const made2 = await t.api.get(`${base}/sources/github-made`);
    expect(made2.body.secrets).toHaveLength(1);
    expect(made2.text).not.toContain(madeSecret);
    const push = '{"zen":"made"}';
    const pushed = await fetch(`${t.url}${base}/in/github-made`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', madeSecret).update(push).digest('hex')}`,
      },
      body: push,
    });
    expect(pushed.status).toBe(200);
    // Where the provider issues it, the form asks for it before sending anything.
    await page.selectOption('select[name=provider]', 'stripe');
    expect(
      await page.locator('input[name=secret]').evaluate((e) => (e as { required: boolean }).required),
    ).toBe(true);
    // A template without a secret asks for none.
    await page.selectOption('select[name=provider]', 'google-pubsub');
    expect(await page.isVisible('input[name=secret]')).toBe(false);
    expect(await options.textContent()).toContain(
      'audience (required), serviceAccountEmail (required), jwksUrl',
    );
  });

  it('creates a custom source with a verifier written as JSON, which then verifies webhooks', async () => {
    await open('/sources');
    await page.fill('input[name=slug]', 'custom-app');
    await page.selectOption('select[name=provider]', 'custom');
    expect(await page.isVisible('input[name=secret]')).toBe(false);
    const verifier = page.locator('textarea[name=verifier]');
    await verifier.fill('{"type": "hmac", "header": "x-sig"');
    await page.click('text=Create source');
    await page.getByText(/^Creating the source failed: The verifier is not JSON/).waitFor();
    await verifier.fill('{"type": "hmac", "header": "x-sig", "secret": "custom-secret"}');
    await page.click('text=Create source');
    await page.getByRole('cell', { name: 'custom-app', exact: true }).waitFor();
    const created = (await t.api.get(`${base}/sources/custom-app`)).body;
    expect(created).toMatchObject({ provider: 'custom', verifier: { type: 'hmac', header: 'x-sig' } });
    expect(JSON.stringify(created)).not.toContain('custom-secret');
    const body = '{"hello":"custom"}';
    const post = (sig: string) =>
      fetch(`${t.url}${base}/in/custom-app`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-sig': sig },
        body,
      });
    expect((await post(createHmac('sha256', 'custom-secret').update(body).digest('hex'))).status).toBe(200);
    expect((await post(createHmac('sha256', 'other').update(body).digest('hex'))).status).toBe(401);
  });

  it('shows a request to try a source with that gets through its verifier', async () => {
    // A provider's source: the CLI signs the provider's sample; the command shown, run as it is, is taken.
    await open('/sources');
    await page.getByRole('cell', { name: 'github', exact: true }).first().click();
    const send = page.locator('pre.try-send');
    await send.waitFor();
    expect(await send.textContent()).toBe(
      `npx eventhook send github \\\n  --url ${t.url} \\\n  --key '<API key>' --secret '<source secret>'`,
    );
    expect(await page.locator('pre.try-curl').count()).toBe(0);
    const before = (await t.api.get(`${base}/sources/github`)).body.activity.eventsLast24h;
    const run = await shell(
      (await send.textContent())!.replace('<API key>', OPERATOR_TOKEN).replace('<source secret>', SECRET),
    );
    expect(run.stdout).toMatch(/^status:\s+200\n/);
    expect((await t.api.get(`${base}/sources/github`)).body.activity.eventsLast24h).toBe(before + 1);
    await page.getByRole('cell', { name: 'stripe-live', exact: true }).click();
    await expect.poll(() => send.textContent()).toContain('npx eventhook send stripe --source stripe-live');

    // Sources whose request needs no signature: a curl request, with the credential where it goes.
    await createSource(t, { slug: 'open-door', verifier: { type: 'none' } });
    await createSource(t, { slug: 'by-token', verifier: { type: 'token', token: 'tok-123' } });
    await createSource(t, {
      slug: 'by-key',
      verifier: { type: 'api_key', name: 'authorization', scheme: 'Bearer', key: 'key-456' },
    });
    const credentials = {
      'open-door': {},
      'by-token': { '<token>': 'tok-123' },
      'by-key': { '<key>': 'key-456' },
    };
    await open('/sources');
    for (const [slug, fill] of Object.entries(credentials)) {
      await page.getByRole('cell', { name: slug, exact: true }).click();
      const shown = page.locator('pre.try-curl');
      await expect.poll(() => shown.textContent()).toContain(`/in/${slug}`);
      expect(await page.locator('pre.try-send').count()).toBe(0);
      let command = (await shown.textContent())!;
      for (const [placeholder, value] of Object.entries(fill)) command = command.replace(placeholder, value);
      const { url, init } = curlRequest(command);
      const res = await fetch(url, init);
      expect(res.status, `${slug}: ${command}`).toBe(200);
    }

    // A custom source that checks a signature: the curl request says it needs one, and unsigned it is refused.
    await page.getByRole('cell', { name: 'custom-app', exact: true }).click();
    await page.locator('.needs-signature').getByText('this request needs a signature').waitFor();
    const unsigned = (await page.locator('pre.try-curl').textContent())!;
    expect(unsigned).toContain("-H 'x-sig: <signature>'");
    const { url, init } = curlRequest(unsigned);
    expect((await fetch(url, init)).status).toBe(401);
  });

  it('shows a webhook in the live log as it arrives, then in full, and replays it', async () => {
    expect(
      (
        await t.api.post(`${base}/rules`, {
          name: 'pushes',
          pattern: { source: ['webhook:github'], type: ['push'] },
          targets: [{ type: 'task', kind: 'console-test' }],
        })
      ).status,
    ).toBe(201);
    await page.goto(`${t.url}/#/events`);
    await page.getByText('live', { exact: true }).waitFor();
    const { body, eventId } = await sendPush('refs/heads/live');
    // No reload: the row comes from the stream.
    const row = page.locator('tr.link', { hasText: 'octo/console' }).first();
    await row.waitFor({ timeout: 10_000 });
    await row.click();
    await page.waitForURL(`**/#/events/${eventId}`);
    expect(await page.textContent('pre.raw')).toBe(body);
    expect(await page.textContent('main')).toContain('x-github-delivery');
    expect(await page.textContent('main')).toContain('verified by the source’s hmac verifier');
    await page.getByRole('cell', { name: 'pushes' }).first().waitFor();
    await page.click('text=Replay');
    await eventually(
      async () => (await page.locator('td', { hasText: 'pushes' }).count()) === 2 || undefined,
      10_000,
    );
    const stored = await t.api.get(`${base}/events/${eventId}`);
    expect(stored.body.actions).toHaveLength(2);
  });

  it('shows hostile values as text, never as markup', async () => {
    const hostile = '<img src=x onerror="window.__pwned=1">';
    const published = await t.api.post(`${base}/events`, {
      type: hostile,
      subject: '<script>window.__pwned=2</script>',
      data: { html: hostile },
    });
    expect(published.status).toBe(200);
    await page.goto(`${t.url}/#/events`);
    await page.getByRole('cell', { name: hostile, exact: true }).first().click();
    await page.waitForURL(`**/#/events/${published.body.eventId}`);
    await page.getByRole('heading', { name: hostile }).waitFor();
    expect(
      await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();
    expect(await page.locator('main img, main script').count()).toBe(0);
  });

  it('says why a refused webhook was refused, for a source that keeps them', async () => {
    expect(
      (
        await t.api.post(`${base}/sources`, {
          slug: 'strict',
          provider: 'github',
          secret: SECRET,
          storeRejected: true,
        })
      ).status,
    ).toBe(201);
    const refused = await fetch(`${t.url}${base}/in/strict`, {
      method: 'POST',
      headers: { ...(await githubPushHeaders('another secret', '{}', randomUUID())) },
      body: '{}',
    });
    expect(refused.status).toBe(401);
    const stored = await eventually(async () => {
      const r = await t.api.get(`${base}/events?status=rejected`);
      return r.body.items[0];
    });
    await page.goto(`${t.url}/#/events/${stored.id}`);
    await page.getByText(/^refused: /).waitFor();
    expect(await page.textContent('main')).toContain(`refused: ${stored.error}`);
  });

  it('tests a pattern against recent events, then saves the rule', async () => {
    await page.goto(`${t.url}/#/rules`);
    await page.fill('input[name=name]', 'main-pushes');
    await page.fill('textarea[name=pattern]', '{"type": ["push"], "data": {"ref": ["refs/heads/live"]}}');
    await page.fill('textarea[name=targets]', '[{"type": "task", "kind": "deploy"}]');
    await page.click('text=Test against recent events');
    await page.getByText(/^1 of the last \d+ events \(7 days\) match/).waitFor();
    await page.fill('textarea[name=pattern]', '{"type": [');
    await page.click('text=Test against recent events');
    await page.getByText('The pattern is not JSON').waitFor();
    await page.fill('textarea[name=pattern]', '{"type": ["push"]}');
    await page.click('text=Save rule');
    const row = page.locator('tr', { has: page.getByRole('cell', { name: 'main-pushes', exact: true }) });
    await row.waitFor();

    // Change it in the same editor, switch it off, and delete it.
    await row.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Change rule main-pushes' }).waitFor();
    expect(JSON.parse(await page.inputValue('textarea[name=pattern]'))).toEqual({ type: ['push'] });
    await page.fill('textarea[name=pattern]', '{"type": ["push", "release"]}');
    await page.click('text=Save rule');
    await page.getByText('Rule main-pushes saved.').waitFor();
    const rule = async () =>
      (await t.api.get(`${base}/rules`)).body.items.find((r: { name: string }) => r.name === 'main-pushes');
    // Creating the rule flashed the same words, which may still be up: the API says when the change is in.
    await expect.poll(async () => (await rule()).pattern).toEqual({ type: ['push', 'release'] });
    await row.getByRole('button', { name: 'Switch off' }).click();
    await page.getByText('Rule main-pushes switched off.').waitFor();
    expect((await rule()).enabled).toBe(false);
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Rule main-pushes deleted.').waitFor();
    expect(await rule()).toBeUndefined();
  });

  it('pages back through older events', async () => {
    for (let i = 0; i < 60; i++) await t.api.post(`${base}/events`, { type: 'page.test', data: { i } });
    await page.goto(`${t.url}/#/events`);
    await page.fill('input[name=type]', 'page.test');
    await page.click('text=Filter');
    const rows = page.locator('tr.link');
    await expect.poll(() => rows.count()).toBe(50);
    await page.click('text=Older events');
    await expect.poll(() => rows.count()).toBe(60);
    expect(await page.isHidden('text=Older events')).toBe(true);

    // Found by text in their bodies: {"i":7} alone among the sixty, and it opens.
    await page.fill('input[name=body]', '"i":7}');
    await page.click('text=Filter');
    await expect.poll(() => rows.count()).toBe(1);
    await rows.first().click();
    await page.getByText('"i": 7').first().waitFor();
  });

  it('shows an endpoint’s health and retries the dead-letter queue', async () => {
    expect(
      (await t.api.post(`${base}/endpoints`, { slug: 'crm', url: 'https://crm.example.com/hooks' })).status,
    ).toBe(201);
    await page.goto(`${t.url}/#/endpoints`);
    const stateOf = (slug: string) =>
      page.locator('tr', { has: page.getByRole('cell', { name: slug, exact: true }) }).locator('.state');
    await expect.poll(() => stateOf('crm').textContent()).toBe('healthy');
    await page.getByRole('cell', { name: 'crm', exact: true }).click();
    await page.locator('dl.health').getByText('healthy').waitFor();
    expect(await page.textContent('dl.health')).toContain(
      '0 waiting (0 pending, 0 in flight, 0 to retry) · 0 dead',
    );
    // The window is said as people say it, not as 1440 min.
    expect(await page.textContent('dl.health')).toContain('success rate (last 24 h)— of 0 attempts');
    // As a string, so that the test's own transform leaves the page's import() alone.
    const durations = await page.evaluate(
      "import('/console/dom.js').then((m) => [45, 90, 5400, 12600, 86400, 172800, 604800].map(m.duration))",
    );
    expect(durations).toEqual(['45 s', '90 s', '90 min', '3.5 h', '24 h', '2 d', '7 d']);

    // Pausing and enabling it again.
    await page.click('text=Pause');
    await page.getByText('Endpoint crm paused.').waitFor();
    expect((await t.api.get(`${base}/endpoints/crm`)).body.status).toBe('paused');
    await expect.poll(() => stateOf('crm').textContent()).toBe('paused');
    await page.getByRole('cell', { name: 'crm', exact: true }).click();
    await page.click('text=Enable');
    await page.getByText('Endpoint crm enabled').waitFor();
    expect((await t.api.get(`${base}/endpoints/crm`)).body.status).toBe('active');

    // A new one, whose generated signing secret is shown once (the API never shows it again).
    await page.fill('input[name=slug]', 'billing');
    await page.fill('input[name=url]', 'https://billing.example.com/hooks');
    await page.click('text=Create endpoint');
    const secret = await page.locator('.secret-once code').textContent();
    expect(secret).toMatch(/^whsec_/);
    const created = await t.api.get(`${base}/endpoints/billing`);
    expect(created.body.url).toBe('https://billing.example.com/hooks');
    expect(JSON.stringify(created.body)).not.toContain(secret!.slice(6));

    // A promise nobody created: its one attempt fails and the action is dead.
    await createDeadEndRule(t.api);
    await t.api.post(`${base}/events`, { type: 'payment.done', data: { ref: 'nobody' } });
    await eventually(
      async () => (await t.api.get(`${base}/actions?status=dead`)).body.items.length === 1 || undefined,
    );
    await page.goto(`${t.url}/#/dead-letters`);
    await page.getByText('1 dead').waitFor();
    expect(await page.textContent('main')).toContain('was not found');
    // Retrying the whole queue asks first, with the count; dismissed, nothing is retried.
    const questions: string[] = [];
    page.once('dialog', (d) => {
      questions.push(d.message());
      void d.dismiss();
    });
    await page.click('text=Retry all');
    await expect
      .poll(() => questions)
      .toEqual(['Retry 1 dead action(s) of this org? Each is attempted again now.']);
    expect((await t.api.get(`${base}/actions?status=dead`)).body.items[0].attemptCount).toBe(1);
    page.once('dialog', (d) => void d.accept());
    await page.click('text=Retry all');
    await page.getByText('1 action(s) queued again.').waitFor();
    const deadOf = async (query: string) =>
      (await t.api.get(`${base}/actions?status=dead${query}`)).body.items as {
        id: string;
        attemptCount: number;
      }[];
    const [promiseDead] = await eventually(async () => {
      const dead = await deadOf('');
      return dead.length === 1 && dead[0]!.attemptCount === 2 ? dead : undefined;
    });

    // One endpoint's queue, reached from its health: a webhook to a host that cannot resolve, with one attempt.
    expect(
      (await t.api.post(`${base}/endpoints`, { slug: 'ledger', url: 'https://ledger.invalid/hooks' })).status,
    ).toBe(201);
    const rule = await t.api.post(`${base}/rules`, {
      name: 'ledger-hooks',
      pattern: { type: ['invoice.paid'] },
      targets: [{ type: 'webhook', endpoint: 'ledger', retry: { maxAttempts: 1 } }],
    });
    expect(rule.status, rule.text).toBe(201);
    await t.api.post(`${base}/events`, { type: 'invoice.paid' });
    await eventually(async () => (await deadOf('&endpoint=ledger')).length === 1 || undefined);
    await page.goto(`${t.url}/#/endpoints`);
    await page.getByRole('cell', { name: 'ledger', exact: true }).click();
    await page.locator('dl.health').getByRole('link', { name: '1 dead' }).click();
    await page.getByRole('heading', { name: 'Dead letters of ledger' }).waitFor();
    expect(page.url()).toMatch(/#\/dead-letters\/ledger$/);
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect(await page.textContent('tbody')).toContain('webhook → ledger');
    // Each row links to its event, and to its action among the event's actions.
    const dead = (await t.api.get(`${base}/actions?status=dead&endpoint=ledger`)).body.items[0];
    const deadRow = page.locator('tbody tr').first();
    expect(await deadRow.getByRole('link', { name: dead.eventId }).getAttribute('href')).toBe(
      `#/events/${dead.eventId}`,
    );
    await deadRow.getByRole('link', { name: dead.id }).click();
    await page.waitForURL(`**/#/events/${dead.eventId}/actions/${dead.id}`);
    await page.getByRole('heading', { name: 'invoice.paid' }).waitFor();
    const marked = page.locator('tr[aria-current=true]');
    await marked.waitFor();
    expect(await marked.count()).toBe(1);
    expect(await marked.getAttribute('title')).toBe(dead.id);
    expect(await marked.textContent()).toContain('webhook → ledger');
    await page.goBack();
    await page.getByRole('heading', { name: 'Dead letters of ledger' }).waitFor();
    page.once('dialog', (d) => {
      questions.push(d.message());
      void d.accept();
    });
    await page.click('text=Retry all');
    await expect
      .poll(() => questions.at(-1))
      .toBe('Retry 1 dead webhook action(s) to ledger? Each is attempted again now.');
    // Only the endpoint's action was given another attempt; the promise's stays where it was.
    await eventually(async () => {
      const [ledger] = await deadOf('&endpoint=ledger');
      return ledger?.attemptCount === 2 || undefined;
    });
    expect(await deadOf('&targetType=promise')).toEqual([
      expect.objectContaining({ id: promiseDead!.id, attemptCount: 2 }),
    ]);
    await page.selectOption('select[name=endpoint]', '');
    await page.getByRole('heading', { name: 'Dead letters', exact: true }).waitFor();
    await page.getByText('2 dead').waitFor();
    // The only failures the page met were the refused key's, in the sign-in test.
    expect(pageErrors().filter((e) => !e.includes('status of 401'))).toEqual([]);
  });

  it('lists each endpoint with its health state: an open circuit shows before the row is opened', async () => {
    const closed = await startReceiver();
    await closed.close();
    await createEndpoint(t, { slug: 'tripped', url: `${closed.url}/gone` });
    const rule = await t.api.post(`${base}/rules`, {
      name: 'to-tripped',
      pattern: { type: ['console.trip'] },
      targets: [{ type: 'webhook', endpoint: 'tripped', retry: { maxAttempts: 1 } }],
    });
    expect(rule.status, rule.text).toBe(201);
    // As many failures in a row as open the breaker (EVENTHOOK_BREAKER_THRESHOLD, 5 by default).
    for (let i = 0; i < 5; i++) await t.api.post(`${base}/events`, { type: 'console.trip', data: { i } });
    await eventually(
      async () =>
        (await t.api.get(`${base}/endpoints/tripped`)).body.health.state === 'circuit_open' || undefined,
      15_000,
    );
    // The list's own answer still says active: the state comes from each endpoint's health.
    const listed = (await t.api.get(`${base}/endpoints`)).body.items;
    expect(listed.find((e: { slug: string }) => e.slug === 'tripped').status).toBe('active');

    await open('/endpoints');
    const row = (slug: string) =>
      page.locator('tr', { has: page.getByRole('cell', { name: slug, exact: true }) });
    await expect.poll(() => row('tripped').locator('.state').textContent()).toBe('circuit_open');
    expect(await row('tripped').textContent()).not.toContain('active');
    await expect.poll(() => row('crm').locator('.state').textContent()).toBe('healthy');
    await expect.poll(() => row('ledger').locator('.state').textContent()).toBe('failing');
  });

  it('changes a source’s name and settings, and deletes it after asking', async () => {
    await createSource(t, { slug: 'shop', name: 'Shop', provider: 'github', secret: SECRET });
    await open('/sources');
    const body = JSON.stringify({ ref: 'refs/heads/shop', repository: { full_name: 'octo/shop' } });
    const push = async () =>
      fetch(`${t.url}${base}/in/shop`, {
        method: 'POST',
        headers: await githubPushHeaders(SECRET, body, randomUUID()),
        body,
      });
    await page.getByRole('cell', { name: 'shop', exact: true }).click();
    await page.getByRole('button', { name: 'Edit' }).click();
    const form = page.locator('form.edit-source');
    expect(await form.locator('input[name=name]').inputValue()).toBe('Shop');
    await form.locator('input[name=name]').fill('Shop (live)');
    await form.locator('input[name=perSecond]').fill('50');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Source shop saved.').waitFor();
    await page.getByRole('cell', { name: 'Shop (live)', exact: true }).waitFor();
    const saved = (await t.api.get(`${base}/sources/shop`)).body;
    expect(saved).toMatchObject({ name: 'Shop (live)', rateLimit: { perSecond: 50 }, enabled: true });
    // Only what was changed is sent: settings left alone stay unset.
    expect(saved.bodyLimit).toBeUndefined();
    expect(saved.idempotencyKeys).toBeUndefined();

    expect((await push()).status).toBe(200);
    await page.getByRole('cell', { name: 'shop', exact: true }).click();
    const question = await deleteAfterAsking('sources/shop');
    expect(question).toContain('Delete source shop?');
    await page.getByText('Source shop deleted.').waitFor();
    await page.getByRole('cell', { name: 'shop', exact: true }).waitFor({ state: 'detached' });
    expect((await t.api.get(`${base}/sources/shop`)).status).toBe(404);
    expect((await push()).status).toBe(404);
  });

  it('rotates a source’s secret: the new one verifies, the old one until its grace period ends', async () => {
    await createSource(t, { slug: 'rotating', provider: 'github', secret: 'first-secret' });
    const push = async (secret: string) => {
      const body = JSON.stringify({ ref: 'refs/heads/rotate', repository: { full_name: 'octo/rotate' } });
      const res = await fetch(`${t.url}${base}/in/rotating`, {
        method: 'POST',
        headers: await githubPushHeaders(secret, body, randomUUID()),
        body,
      });
      return res.status;
    };
    await open('/sources');
    await page.getByRole('cell', { name: 'rotating', exact: true }).click();
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const form = page.locator('form.rotate-secret');
    expect(await form.locator('select[name=graceSeconds]').inputValue()).toBe('86400');
    await form.locator('input[name=secret]').fill('second-secret');
    await form.getByRole('button', { name: 'Rotate', exact: true }).click();
    const notice = page.locator('.notice');
    await notice.getByText('The previous secret keeps verifying until').waitFor();
    // The user chose this secret: there is nothing to show once.
    expect(await page.locator('.secret-once').count()).toBe(0);
    expect(await push('second-secret')).toBe(200);
    expect(await push('first-secret')).toBe(200);

    // Again, with a secret Eventhook makes and no grace: only the newest verifies.
    await page.getByRole('cell', { name: 'rotating', exact: true }).click();
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await form.locator('select[name=graceSeconds]').selectOption('0');
    await form.getByRole('button', { name: 'Rotate', exact: true }).click();
    await notice.getByText('The previous secret stopped verifying now.').waitFor();
    const generated = (await page.locator('.secret-once code').textContent())!;
    expect(generated.length).toBeGreaterThan(20);
    expect(await push(generated)).toBe(200);
    expect(await push('second-secret')).toBe(401);
    expect(await push('first-secret')).toBe(401);
    const source = await t.api.get(`${base}/sources/rotating`);
    // Only the newest is listed: the others verify nothing any more.
    expect(source.body.secrets).toHaveLength(1);
    expect(source.text).not.toContain(generated);
  });

  it('rotates the secret of a provider that issues it (Stripe) only with the one it shows: no generating', async () => {
    await createSource(t, { slug: 'stripe-console', provider: 'stripe', secret: 'whsec_first' });
    await createSource(t, { slug: 'github-console', provider: 'github', secret: 'chosen' });
    await open('/sources');
    await page.getByRole('cell', { name: 'stripe-console', exact: true }).click();
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const form = page.locator('form.rotate-secret');
    const label = (await form.locator('label', { has: page.locator('input[name=secret]') }).textContent())!;
    expect(label).toContain('New secret, exactly as Stripe shows it (required');
    expect(label).not.toContain('Eventhook makes one');
    expect(await form.textContent()).toContain('Stripe issues this secret');
    // Left empty, the browser does not send it: nothing is generated, nothing changes.
    await form.getByRole('button', { name: 'Rotate', exact: true }).click();
    expect(await form.locator('input[name=secret]:invalid').count()).toBe(1);
    expect((await t.api.get(`${base}/sources/stripe-console`)).body.secrets).toHaveLength(1);

    await form.locator('input[name=secret]').fill('whsec_second');
    await form.getByRole('button', { name: 'Rotate', exact: true }).click();
    await page.locator('.notice').getByText('The previous secret keeps verifying until').waitFor();
    expect(await page.locator('.secret-once').count()).toBe(0);
    expect((await t.api.get(`${base}/sources/stripe-console`)).body.secrets).toHaveLength(2);

    // A provider whose secret you choose (GitHub) still offers to make one.
    await page.getByRole('cell', { name: 'github-console', exact: true }).click();
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    expect(await form.textContent()).toContain('empty: Eventhook makes one');
    expect(await form.locator('input[name=secret]:invalid').count()).toBe(0);
  });

  it('changes an endpoint’s URL, and shows why the API refused a change', async () => {
    await open('/endpoints');
    await page.getByRole('cell', { name: 'crm', exact: true }).click();
    await page.getByRole('button', { name: 'Edit' }).click();
    const form = page.locator('form.edit-endpoint');
    await form.locator('input[name=url]').fill('ftp://crm.example.com/hooks');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saving the endpoint failed: /url: must be an http or https URL').waitFor();
    expect((await t.api.get(`${base}/endpoints/crm`)).body.url).toBe('https://crm.example.com/hooks');

    await form.locator('input[name=url]').fill('https://crm.example.com/v2/hooks');
    await form.locator('input[name=maxConcurrency]').fill('4');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Endpoint crm saved.').waitFor();
    await page.getByRole('cell', { name: 'https://crm.example.com/v2/hooks', exact: true }).waitFor();
    expect((await t.api.get(`${base}/endpoints/crm`)).body).toMatchObject({
      url: 'https://crm.example.com/v2/hooks',
      maxConcurrency: 4,
      rateLimit: null,
      timeoutMs: 15_000,
    });
  });

  it('rotates an endpoint’s signing secret, shown once; deliveries are then signed with both', async () => {
    await open('/endpoints');
    await page.fill('input[name=slug]', 'signed');
    await page.fill('input[name=url]', `${receiver.url}/signed`);
    await page.click('text=Create endpoint');
    const first = (await page.locator('.secret-once code').textContent())!;
    await page.getByRole('cell', { name: 'signed', exact: true }).click();
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const form = page.locator('form.rotate-secret');
    expect(await form.locator('select[name=kind]').inputValue()).toBe('hmac');
    await form.getByRole('button', { name: 'Rotate', exact: true }).click();
    await page.locator('.notice').getByText('The previous secret keeps signing until').waitFor();
    const second = (await page.locator('.secret-once code').textContent())!;
    expect(second).toMatch(/^whsec_/);
    expect(second).not.toBe(first);

    // The API tells two secrets apart by their metadata only, the older one ending; it never shows a value again.
    const endpoint = await t.api.get(`${base}/endpoints/signed`);
    expect(endpoint.body.secrets).toHaveLength(2);
    expect(endpoint.body.secrets.filter((x: { expiresAt: string | null }) => x.expiresAt)).toHaveLength(1);
    for (const secret of [first, second]) expect(endpoint.text).not.toContain(secret.slice(6));

    const rule = await t.api.post(`${base}/rules`, {
      name: 'to-signed',
      pattern: { type: ['console.signed'] },
      targets: [{ type: 'webhook', endpoint: 'signed' }],
    });
    expect(rule.status, rule.text).toBe(201);
    const published = await t.api.post(`${base}/events`, { type: 'console.signed', data: { n: 1 } });
    await waitForAction(t, published.body.eventId, (a) => a.status === 'succeeded');
    const delivered = receiver.requests.find((r) => r.path === '/signed')!;
    expect(delivered.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [first, second])
      expect(new StandardWebhook(secret).verify(delivered.body, delivered.headers)).toBeTruthy();

    // Shown once: the next visit has it no more.
    await open('/endpoints');
    await page.getByRole('cell', { name: 'signed', exact: true }).waitFor();
    expect(await page.locator('.secret-once').count()).toBe(0);
  });

  it('sends an endpoint a test message and shows what it answered, recording nothing', async () => {
    await createEndpoint(t, { slug: 'pinged', url: `${receiver.url}/pinged` });
    const closed = await startReceiver();
    await closed.close();
    await createEndpoint(t, { slug: 'unreachable', url: `${closed.url}/x` });
    await open('/endpoints');
    await page.getByRole('cell', { name: 'pinged', exact: true }).click();
    await page.getByRole('button', { name: 'Send test message' }).click();
    await page.getByText('Test message delivered: answered 200').waitFor();
    const arrived = receiver.requests.filter((r) => r.path === '/pinged');
    expect(arrived).toHaveLength(1);
    expect(await page.textContent('.test-result code')).toBe(arrived[0]!.headers['webhook-id']);
    expect(await page.textContent('.test-result pre')).toBe('ok');
    expect((await t.api.get(`${base}/endpoints/pinged`)).body.health.attempts).toBe(0);

    await page.getByRole('cell', { name: 'unreachable', exact: true }).click();
    await page.getByRole('heading', { name: 'unreachable' }).waitFor();
    await page.getByRole('button', { name: 'Send test message' }).click();
    await page.getByText(/Test message not delivered: no answer in \d+ ms — connection: /).waitFor();
  });

  it('shows a source’s newest event and its count of the last day, or that none came', async () => {
    await open('/sources');
    await page.getByRole('cell', { name: 'github', exact: true }).first().click();
    const line = page.locator('p.activity');
    await expect
      .poll(() => line.textContent())
      .toMatch(/^Last event: push routed .+ · \d+ in the last 24 h$/);
    const newest = (await t.api.get(`${base}/sources/github`)).body.activity.lastEvent.id;
    await line.getByRole('link', { name: 'push' }).click();
    await page.waitForURL(`**/#/events/${newest}`);

    await open('/sources');
    await page.getByRole('cell', { name: 'stripe-live', exact: true }).click();
    await expect.poll(() => line.textContent()).toContain('No event yet');
  });

  it('checks a pasted request against a source: why it fails, or what it would extract; nothing stored', async () => {
    const before = (await t.api.get(`${base}/events?limit=1`)).body.items[0]?.id;
    await open('/sources');
    await page.getByRole('cell', { name: 'github', exact: true }).first().click();
    await page.getByRole('button', { name: 'Check a request' }).click();
    const form = page.locator('form.check-request');
    const body = JSON.stringify({ ref: 'refs/heads/check', repository: { full_name: 'octo/check' } });
    const paste = async (secret: string) => {
      const headers = await githubPushHeaders(secret, body, 'check-delivery-1');
      const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
      await form.locator('textarea[name=headers]').fill(['POST /hook HTTP/1.1', ...lines].join('\n'));
      await form.locator('textarea[name=body]').fill(body);
      await form.getByRole('button', { name: 'Check' }).click();
    };
    await paste('not-the-secret');
    await form.getByText('Does not verify (hmac): no_matching_signature').waitFor();
    await paste(SECRET);
    await form.getByText('Verifies (hmac).').waitFor();
    expect(await form.locator('.check-result dl').textContent()).toBe(
      'event typepushsubjectocto/checkidempotency keycheck-delivery-1',
    );
    await form.locator('textarea[name=headers]').fill('x-github-event: push\ngarbage');
    await form.getByRole('button', { name: 'Check' }).click();
    await form.getByText('Headers, line 2: not "Name: value": garbage').waitFor();
    expect((await t.api.get(`${base}/events?limit=1`)).body.items[0]?.id).toBe(before);
  });

  it('checks a pasted request of a provider that signs the URL (Twilio) against the URL it called', async () => {
    await createSource(t, { slug: 'twilio-check', provider: 'twilio', secret: 'twilio-token' });
    // Twilio called the public URL; the console is reached at another one.
    const publicUrl = `https://hooks.example.com${base}/in/twilio-check`;
    const params = { MessageSid: 'SM9', MessageStatus: 'failed' };
    const signature = twilio.getExpectedTwilioSignature('twilio-token', publicUrl, params);
    await open('/sources');
    await page.getByRole('cell', { name: 'twilio-check', exact: true }).click();
    await page.getByRole('button', { name: 'Check a request' }).click();
    const form = page.locator('form.check-request');
    await form
      .locator('textarea[name=headers]')
      .fill(`Content-Type: application/x-www-form-urlencoded\nX-Twilio-Signature: ${signature}`);
    await form.locator('textarea[name=body]').fill(new URLSearchParams(params).toString());
    await form.getByRole('button', { name: 'Check' }).click();
    await form.getByText(/Does not verify \(hmac\): no_matching_signature — .* over the URL http:/).waitFor();
    await form.locator('input[name=url]').fill(publicUrl);
    await form.getByRole('button', { name: 'Check' }).click();
    await form.getByText('Verifies (hmac).').waitFor();
    expect(await form.locator('.check-result dl').textContent()).toContain('message.failed');
  });

  it('fits a phone’s width: the header wraps and wide tables scroll in their own box, never the page', async () => {
    const viewport = page.viewportSize()!;
    const event = (await t.api.get(`${base}/events?limit=1&type=push`)).body.items[0].id;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      const pages: [string, string | null][] = [
        ['/events', null],
        [`/events/${event}`, null],
        ['/sources', 'github'],
        ['/rules', null],
        ['/endpoints', 'ledger'],
        ['/dead-letters', null],
        ['/grants', null],
      ];
      for (const [hash, row] of pages) {
        await open(hash);
        await page.locator('main h1').waitFor();
        if (row) {
          await page.getByRole('cell', { name: row, exact: true }).first().click();
          await page.getByRole('heading', { level: 2 }).first().waitFor();
        }
        await page.locator('main table').first().waitFor();
        const width = await page.evaluate('document.documentElement.scrollWidth');
        expect(width, hash).toBe(390);
      }
      // The dead letters' table is wider than the phone: it scrolls inside its box.
      await open('/dead-letters');
      await page.locator('tbody tr a').first().waitFor();
      const box = page.locator('.table-wrap').first();
      expect(await box.evaluate((el) => el.scrollWidth > el.clientWidth && el.clientWidth <= 390)).toBe(true);
    } finally {
      await page.setViewportSize(viewport);
    }
  });

  it('deletes an endpoint after asking', async () => {
    await open('/endpoints');
    await page.getByRole('cell', { name: 'billing', exact: true }).click();
    await page.getByRole('heading', { name: 'billing' }).waitFor();
    const question = await deleteAfterAsking('endpoints/billing');
    expect(question).toContain('Delete endpoint billing?');
    await page.getByText('Endpoint billing deleted.').waitFor();
    await page.getByRole('cell', { name: 'billing', exact: true }).waitFor({ state: 'detached' });
    expect((await t.api.get(`${base}/endpoints/billing`)).status).toBe(404);
    // Besides the refused key of the sign-in test, the page met one failure: the URL the API refused.
    const failures = pageErrors().filter((e) => !e.includes('status of 401'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('status of 400');
  });
});
