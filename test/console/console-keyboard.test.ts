// The web console without a mouse: a list's row, which takes the focus, opens with Enter or Space as a click opens it.
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';
import { createSource, githubPushHeaders } from '../helpers/ingest.js';

const SECRET = 'keyboard-github-secret';
const base = '/api/orgs/default/eventhook';

describe.skipIf(!browserAvailable())('web console: keyboard', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;
  let eventId = '';

  beforeAll(async () => {
    c = await startConsole();
    ({ t, page } = c);
    await createSource(t, { slug: 'github', provider: 'github', secret: SECRET });
    const body = JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'octo/keys' } });
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
});
