// The web console without a mouse, and served over plain http on a host other than localhost (as a self-hosted
// server often is): a list's row, which takes the focus, opens with Enter or Space as a click opens it; the dead
// letters' endpoint list keeps the focus as the arrow keys go through it; Copy copies
// where the browser has no Clipboard API (outside a secure context), and says so when nothing was copied.
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, type TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';
import { createSource, githubPushHeaders } from '../helpers/ingest.js';

const SECRET = 'keyboard-github-secret';
const base = '/api/orgs/default/eventhook';

describe.skipIf(!browserAvailable())('web console: keyboard and plain http', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;
  let eventId = '';

  beforeAll(async () => {
    c = await startConsole();
    ({ t, page } = c);
    await createSource(t, {
      slug: 'github',
      provider: 'github',
      secret: SECRET,
    });
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      repository: { full_name: 'octo/keys' },
    });
    const res = await fetch(`${t.url}${base}/in/github`, {
      method: 'POST',
      headers: await githubPushHeaders(SECRET, body, randomUUID()),
      body,
    });
    expect(res.status).toBe(200);
    eventId = ((await res.json()) as { eventId: string }).eventId;
  }, 60_000);
  afterAll(async () => c?.close());

  it('opens a row of a list with Enter or Space, as a click does', async () => {
    await c.signIn();
    const row = page.locator('main tbody tr.link').first();
    await row.waitFor();
    await row.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/#/events/${eventId}`);
    await page.getByRole('heading', { name: 'push' }).waitFor();

    await c.open('/sources');
    const source = page.locator('main tbody tr.link', { hasText: 'github' });
    await source.focus();
    await page.keyboard.press(' ');
    await page.locator('code.ingest-url').waitFor();
    expect(c.pageErrors()).toEqual([]);
  });

  it('goes through the dead letters of each endpoint with the arrow keys, the list keeping the focus', async () => {
    for (const slug of ['alpha', 'beta']) {
      const made = await t.api.post(`${base}/endpoints`, { slug, url: `https://${slug}.example.com/hooks` });
      expect(made.status, made.text).toBe(201);
    }
    await c.open('/dead-letters');
    const chooser = page.getByRole('combobox', { name: 'Endpoint' });
    await chooser.focus();
    for (const slug of ['alpha', 'beta']) {
      await page.keyboard.press('ArrowDown');
      await page.getByRole('heading', { name: `Dead letters of ${slug}` }).waitFor();
      expect(await page.evaluate('document.activeElement.name')).toBe('endpoint');
    }
    await page.keyboard.press('ArrowUp');
    await page.getByRole('heading', { name: 'Dead letters of alpha' }).waitFor();
  });

  describe('served over plain http on a named host', () => {
    let browser: Browser;
    let plain: Page;
    let origin = '';

    beforeAll(async () => {
      // A name other than localhost makes the page an insecure context, as http://hooks.example.com:8080 is.
      browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--no-sandbox', '--host-resolver-rules=MAP console.test 127.0.0.1'],
      });
      plain = await browser.newPage();
      origin = t.url.replace('127.0.0.1', 'console.test');
    }, 30_000);
    afterAll(async () => browser?.close());

    it('copies a source’s ingest URL without the Clipboard API, and the copy can be pasted', async () => {
      await plain.goto(`${origin}/`);
      expect(await plain.evaluate("[isSecureContext, 'clipboard' in navigator]")).toEqual([false, false]);
      await plain.fill('input[name=token]', OPERATOR_TOKEN);
      await plain.click('button[type=submit]');
      await plain.getByRole('heading', { name: 'Events' }).waitFor();
      await plain.goto(`${origin}/#/sources`);
      await plain.getByRole('cell', { name: 'github', exact: true }).first().click();
      const url = (await plain.locator('code.ingest-url').textContent())!;
      expect(url).toBe(`${origin}${base}/in/github`);
      await plain.getByRole('button', { name: 'Copy' }).first().click();
      await plain.getByText('Copied.').waitFor();
      const field = plain.locator('input[name=slug]');
      await field.focus();
      await plain.keyboard.press('Control+V');
      expect(await field.inputValue()).toBe(url);
    });

    it('says so when nothing could be copied', async () => {
      // A browser that refuses the selection's copy too (a policy, an extension).
      await plain.evaluate('document.execCommand = () => false');
      await plain.getByRole('button', { name: 'Copy' }).first().click();
      await plain.getByText('Could not copy: select the text and copy it yourself.').waitFor();
    });
  });
});
