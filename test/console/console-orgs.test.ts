// The console's Orgs page in a real browser against a real server: the operator token is offered it and an admin key
// is not; it lists the orgs, marks the one the console works on, makes one (a taken slug and a bad one refused in the
// form, with the API's words), renames one, deletes one only once its slug is typed (gone from the list, listed under
// "Show deleted", 404 from the API), opens another org, and moves the console to org default when the org it works on
// is deleted.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, type TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';

interface Org {
  slug: string;
  name: string;
  deletedAt: string | null;
}

describe.skipIf(!browserAvailable())('web console: orgs', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;
  let adminKey = '';

  beforeAll(async () => {
    c = await startConsole();
    ({ t, page } = c);
    for (const [slug, name] of [
      ['acme', 'Acme Corp'],
      ['globex', 'Globex'],
    ])
      expect((await t.api.post('/api/orgs', { slug, name })).status).toBe(201);
    const made = await t.api.post('/api/orgs/default/api-keys', { name: 'dana', role: 'admin' });
    expect(made.status, made.text).toBe(201);
    adminKey = made.body.key;
  }, 60_000);
  afterAll(async () => c?.close());

  const signInAs = async (key: string) => {
    await c.signInWith(key);
    await page.getByRole('heading', { name: 'Events' }).waitFor();
  };
  const orgs = async (includeDeleted = false) =>
    (await t.api.get(`/api/orgs${includeDeleted ? '?includeDeleted=true' : ''}`)).body.items as Org[];
  /** The row of org `slug`, whether or not it is the one the console works on. */
  const rowOf = (slug: string) => {
    const first = page.locator('td:first-child', { hasText: new RegExp(`^${slug}( \\(this console\\))?$`) });
    return page.locator('main tbody tr').filter({ has: first });
  };
  const cellsOf = (slug: string) => rowOf(slug).locator('td').allTextContents();
  const orgsLink = () => page.getByRole('link', { name: 'Orgs', exact: true });

  it('is offered to the operator token, not to an admin key', async () => {
    const asked: string[] = [];
    const onRequest = (r: { url(): string }) => asked.push(new URL(r.url()).pathname);
    page.on('request', onRequest);
    await signInAs(adminKey);
    expect(await page.getByRole('link', { name: 'API keys' }).count()).toBe(1);
    expect(await orgsLink().count()).toBe(0);
    // Its address opened anyway: the page says why there is nothing and asks the API nothing it would refuse.
    await c.open('/orgs');
    await page.getByText('Only the operator token may manage the orgs.').waitFor();
    expect(await page.locator('form.new-org').count()).toBe(0);
    page.off('request', onRequest);
    expect(asked).not.toContain('/api/orgs');

    await signInAs(OPERATOR_TOKEN);
    await orgsLink().click();
    await page.getByRole('heading', { name: 'Orgs' }).waitFor();
    expect(await orgsLink().getAttribute('class')).toBe('active');
    expect(c.pageErrors()).toEqual([]);
  });

  it('lists the orgs, the console’s own marked', async () => {
    await c.open('/orgs');
    await rowOf('acme').waitFor();
    expect((await cellsOf('acme')).slice(0, 2)).toEqual(['acme', 'Acme Corp']);
    expect((await cellsOf('globex')).slice(0, 2)).toEqual(['globex', 'Globex']);
    expect(await page.locator('main tbody tr td:first-child').allTextContents()).toEqual([
      'acme',
      'default (this console)',
      'globex',
    ]);
    // The org it works on is not offered to be opened; the others are.
    expect(await rowOf('default').getByRole('button', { name: 'Open' }).count()).toBe(0);
    expect(await rowOf('acme').getByRole('button', { name: 'Open' }).count()).toBe(1);
  });

  it('makes an org, and shows in the form why a taken or bad slug is refused', async () => {
    await c.open('/orgs');
    const refusals = c.pageErrors().length;
    const form = page.locator('form.new-org');
    await form.locator('input[name=slug]').fill('initech');
    await form.locator('input[name=name]').fill('Initech');
    await form.getByRole('button', { name: 'Create org' }).click();
    await page.getByText('Org initech created.').waitFor();
    await rowOf('initech').waitFor();
    expect((await cellsOf('initech')).slice(0, 2)).toEqual(['initech', 'Initech']);
    expect((await orgs()).find((o) => o.slug === 'initech')).toMatchObject({ name: 'Initech' });

    // Without a name, the org is named by its slug.
    await form.locator('input[name=slug]').fill('umbrella');
    await form.getByRole('button', { name: 'Create org' }).click();
    await page.getByText('Org umbrella created.').waitFor();
    await rowOf('umbrella').waitFor();
    expect((await cellsOf('umbrella')).slice(0, 2)).toEqual(['umbrella', 'umbrella']);

    await form.locator('input[name=slug]').fill('acme');
    await form.getByRole('button', { name: 'Create org' }).click();
    await form.getByText('The change was refused: Org acme already exists').waitFor();
    await form.locator('input[name=slug]').fill('Not A Slug');
    await form.getByRole('button', { name: 'Create org' }).click();
    await form.getByText('/slug: must match pattern').waitFor();
    // The refusal before is replaced, not stacked.
    expect(await form.locator('.problem').textContent()).not.toContain('already exists');
    expect((await orgs()).map((o) => o.slug)).toEqual(['acme', 'default', 'globex', 'initech', 'umbrella']);
    // The two refused requests, which the browser logs; nothing else.
    expect(c.pageErrors().length - refusals).toBe(2);
  });

  it('renames an org, its slug unchanged', async () => {
    await c.open('/orgs');
    await rowOf('acme').getByRole('button', { name: 'Rename' }).click();
    const form = page.locator('form.edit-org');
    expect(await form.locator('input[name=name]').inputValue()).toBe('Acme Corp');
    await form.locator('input[name=name]').fill('Acme Inc');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Org acme is now named Acme Inc.').waitFor();
    await page.locator('form.edit-org').waitFor({ state: 'detached' });
    expect((await cellsOf('acme')).slice(0, 2)).toEqual(['acme', 'Acme Inc']);
    expect((await t.api.get('/api/orgs/acme')).body).toMatchObject({ slug: 'acme', name: 'Acme Inc' });
  });

  it('deletes an org only once its slug is typed, and lists it under Show deleted', async () => {
    await c.open('/orgs');
    await rowOf('globex').getByRole('button', { name: 'Delete' }).click();
    const form = page.locator('form.delete-org');
    expect(await form.textContent()).toContain('This cannot be undone.');
    expect(await form.textContent()).toContain('its API keys are revoked');
    const button = form.getByRole('button', { name: 'Delete this org' });
    const typed = form.locator('input[name=slug]');
    expect(await button.isDisabled()).toBe(true);
    await typed.fill('globe');
    expect(await button.isDisabled()).toBe(true);
    await typed.fill('acme');
    expect(await button.isDisabled()).toBe(true);
    // Enter in the field deletes nothing either.
    await typed.press('Enter');
    await new Promise((r) => setTimeout(r, 300));
    expect((await t.api.get('/api/orgs/globex')).status).toBe(200);
    expect((await t.api.get('/api/orgs/acme')).status).toBe(200);

    await typed.fill('globex');
    expect(await button.isEnabled()).toBe(true);
    await button.click();
    await page.getByText('Org globex was deleted; its data is being purged.').waitFor();
    // The notice comes first, the list drawn again after it.
    await expect.poll(() => rowOf('globex').count()).toBe(0);
    expect((await t.api.get('/api/orgs/globex')).status).toBe(404);
    expect((await orgs()).map((o) => o.slug)).not.toContain('globex');

    await page.getByLabel('Show deleted orgs whose data is still being purged').check();
    await rowOf('globex').waitFor();
    expect(page.url()).toMatch(/#\/orgs\?deleted=true$/);
    const deletedAt = (await orgs(true)).find((o) => o.slug === 'globex')!.deletedAt!;
    const shown = await page.evaluate((iso) => new Date(iso).toLocaleString(), deletedAt);
    const cells = await cellsOf('globex');
    expect(cells[3]).toBe(`deleted, being purged since ${shown}`);
    expect(await rowOf('globex').getByRole('button').count()).toBe(0);
    // The live orgs are still there, and unchecking lists them alone again.
    await rowOf('acme').waitFor();
    await page.getByLabel('Show deleted orgs whose data is still being purged').uncheck();
    await expect.poll(() => rowOf('globex').count()).toBe(0);
    await rowOf('acme').waitFor();
  });

  it('opens another org, and moves to org default when the org it works on is deleted', async () => {
    const refusals = c.pageErrors().length;
    await c.open('/orgs');
    await rowOf('initech').getByRole('button', { name: 'Open' }).click();
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    await expect.poll(() => page.textContent('#who')).toContain('org initech · operator token');

    await orgsLink().click();
    await rowOf('initech').waitFor();
    expect((await cellsOf('initech'))[0]).toBe('initech (this console)');
    expect((await cellsOf('default'))[0]).toBe('default');
    await rowOf('initech').getByRole('button', { name: 'Delete' }).click();
    await page.locator('form.delete-org input[name=slug]').fill('initech');
    await page.getByRole('button', { name: 'Delete this org' }).click();
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    await expect.poll(() => page.textContent('#who')).toContain('org default · operator token');
    expect(await page.textContent('#flash')).toContain(
      'Org initech, which this console worked on, was deleted. The console now works on org default.',
    );
    expect((await t.api.get('/api/orgs/initech')).status).toBe(404);
    expect(c.pageErrors().slice(refusals)).toEqual([]);
  });

  it('fits a phone’s width', async () => {
    await c.open('/orgs?deleted=true');
    await rowOf('globex').waitFor();
    const viewport = page.viewportSize()!;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBe(390);
    } finally {
      await page.setViewportSize(viewport);
    }
  });
});
