// Two people at once in the console: a page keeps the version of each record it shows and sends it with every
// change (If-Match). When someone else changed the record in between, the change is refused and the page says so,
// instead of quietly writing the old page's values over the other person's change.
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';
import { createEndpoint, createRule } from '../helpers/outbound.js';

const base = '/api/orgs/default/eventhook';

describe.skipIf(!browserAvailable())('web console: changes made from an outdated page', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;
  /** If-Match of each change the page sent, by method and path. */
  const conditions: { method: string; path: string; ifMatch: string | undefined }[] = [];

  beforeAll(async () => {
    c = await startConsole();
    ({ t, page } = c);
    page.on('request', (r: Request) => {
      if (['PATCH', 'DELETE'].includes(r.method()))
        conditions.push({
          method: r.method(),
          path: new URL(r.url()).pathname,
          ifMatch: r.headers()['if-match'],
        });
    });
    await c.signIn();
  }, 60_000);
  afterAll(async () => c?.close());

  it('refuses an endpoint edit made from a form filled before someone else’s change, and keeps theirs', async () => {
    await createEndpoint(t, { slug: 'crm', url: 'https://crm.example.com/hooks' });
    await c.open('/endpoints');
    await page.getByRole('cell', { name: 'crm', exact: true }).click();
    await page.getByRole('button', { name: 'Edit' }).click();
    const form = page.locator('form.edit-endpoint');
    await form.locator('input[name=description]').waitFor();

    // Meanwhile a colleague moves the endpoint.
    const theirs = await t.api.patch(`${base}/endpoints/crm`, { url: 'https://crm.example.com/v2/hooks' });
    expect(theirs.status).toBe(200);

    await form.locator('input[name=description]').fill('CRM');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page
      .getByText(
        'Saving the endpoint failed: Endpoint crm was changed by someone else since this page showed it; nothing was saved.',
        { exact: false },
      )
      .waitFor();
    expect(conditions.at(-1)).toMatchObject({ method: 'PATCH', path: `${base}/endpoints/crm` });
    expect(conditions.at(-1)!.ifMatch).toMatch(/^"\d+"$/);
    expect(conditions.at(-1)!.ifMatch).not.toBe(theirs.headers.get('etag'));
    expect((await t.api.get(`${base}/endpoints/crm`)).body).toMatchObject({
      url: 'https://crm.example.com/v2/hooks',
      description: '',
    });

    // Shown again, the form starts from their change, and saves.
    await c.open('/endpoints');
    await page.getByRole('cell', { name: 'crm', exact: true }).click();
    await page.getByRole('button', { name: 'Edit' }).click();
    expect(await form.locator('input[name=url]').inputValue()).toBe('https://crm.example.com/v2/hooks');
    await form.locator('input[name=description]').fill('CRM');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Endpoint crm saved.').waitFor();
    expect((await t.api.get(`${base}/endpoints/crm`)).body).toMatchObject({
      url: 'https://crm.example.com/v2/hooks',
      description: 'CRM',
    });
    expect(conditions.at(-1)!.ifMatch).toBe(theirs.headers.get('etag'));
  });

  it('says so in the advanced settings form, with a Reload that shows the record as it is', async () => {
    await c.open('/endpoints');
    await page.getByRole('cell', { name: 'crm', exact: true }).click();
    await page.getByRole('button', { name: 'Advanced settings' }).click();
    const form = page.locator('form.settings-endpoint');
    await form.locator('[name=headers]').waitFor();
    expect((await t.api.patch(`${base}/endpoints/crm`, { headers: { 'x-team': 'theirs' } })).status).toBe(
      200,
    );

    await form.locator('[name=headers]').fill('{"x-team": "mine"}');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form
      .getByText('Someone else changed it since this page showed it, so nothing was saved.')
      .waitFor();
    expect((await t.api.get(`${base}/endpoints/crm`)).body.headers).toEqual({ 'x-team': 'theirs' });
    const reloaded = page.waitForEvent('load');
    await form.getByRole('button', { name: 'Reload' }).click();
    await reloaded;
    await page.getByRole('cell', { name: 'crm', exact: true }).click();
    await page.getByRole('button', { name: 'Advanced settings' }).click();
    expect(JSON.parse(await form.locator('[name=headers]').inputValue())).toEqual({ 'x-team': 'theirs' });
  });

  it('does not switch off or delete a rule someone changed since the page showed it', async () => {
    await createEndpoint(t, { slug: 'audit', url: 'https://audit.example.com/hooks' });
    const rule = await createRule(t, 'to-audit', 'x', [{ endpoint: 'audit' }]);
    await c.open('/rules');
    const row = page.locator('tr', { has: page.getByRole('cell', { name: 'to-audit', exact: true }) });
    await row.getByRole('button', { name: 'Switch off' }).waitFor();

    const theirs = await t.api.patch(`${base}/rules/${rule.id}`, { pattern: { type: ['y'] } });
    expect(theirs.status).toBe(200);
    await row.getByRole('button', { name: 'Switch off' }).click();
    await page
      .getByText(
        'Switching the rule failed: Rule to-audit was changed by someone else since this page showed it; nothing was saved.',
        { exact: false },
      )
      .waitFor();
    expect((await t.api.get(`${base}/rules/${rule.id}`)).body).toMatchObject({
      enabled: true,
      pattern: { type: ['y'] },
    });

    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Deleting the rule failed: Rule to-audit was changed', { exact: false }).waitFor();
    expect((await t.api.get(`${base}/rules/${rule.id}`)).body.deletedAt).toBeNull();
    expect(conditions.filter((x) => x.path === `${base}/rules/${rule.id}`).map((x) => x.method)).toEqual([
      'PATCH',
      'DELETE',
    ]);
    expect(conditions.every((x) => x.ifMatch !== undefined)).toBe(true);

    // The page as it is now switches it off.
    await c.open('/rules');
    await row.getByRole('button', { name: 'Switch off' }).click();
    await row.getByRole('button', { name: 'Switch on' }).waitFor();
    expect((await t.api.get(`${base}/rules/${rule.id}`)).body.enabled).toBe(false);
  });
});
