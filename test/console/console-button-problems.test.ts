// A refused Pause, Enable, Delete or Revoke is explained beside the button that was clicked, as a refused form is
// inside the form, and not only in the banner at the top of the page, out of sight and gone after a few seconds. Each
// is refused here for real: its record was deleted behind the page's back.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';
import { createSource } from '../helpers/ingest.js';

const base = '/api/orgs/default/eventhook';

describe.skipIf(!browserAvailable())('web console: a refused button says why beside it', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;

  beforeAll(async () => {
    c = await startConsole();
    ({ t, page } = c);
    for (const slug of ['to-pause', 'to-enable', 'to-delete']) {
      const res = await t.api.post(`${base}/endpoints`, { slug, url: 'https://crm.example.com/hooks' });
      expect(res.status, res.text).toBe(201);
    }
    expect((await t.api.patch(`${base}/endpoints/to-enable`, { status: 'paused' })).status).toBe(200);
    await createSource(t, { slug: 'src-to-delete', verifier: { type: 'none' } });
    const key = await t.api.post('/api/orgs/default/api-keys', { name: 'to-revoke', role: 'member' });
    expect(key.status, key.text).toBe(201);
    // Deletions and revocations ask first: every question here is answered yes.
    c.page.on('dialog', (d) => void d.accept());
    await c.signIn();
  }, 60_000);
  afterAll(async () => c?.close());

  /** Clicks `button`, then expects the failure right after it and nothing flashed. */
  const refusedBeside = async (button: Locator, what: string) => {
    await button.click();
    const problem = button.locator('xpath=following-sibling::*[1]');
    await expect.poll(() => problem.getAttribute('role')).toBe('alert');
    expect(await problem.textContent()).toMatch(new RegExp(`^${what} failed: `));
    expect(await page.textContent('#flash')).toBe('');
  };

  const openEndpoint = async (slug: string) => {
    await c.open('/endpoints');
    await page.getByRole('cell', { name: slug, exact: true }).click();
    await page.getByRole('heading', { name: slug }).waitFor();
    expect((await t.api.delete(`${base}/endpoints/${slug}`)).status).toBe(204);
  };

  it('an endpoint’s Pause, Enable and Delete', async () => {
    await openEndpoint('to-pause');
    await refusedBeside(page.getByRole('button', { name: 'Pause' }), 'Changing the endpoint');
    await openEndpoint('to-enable');
    await refusedBeside(page.getByRole('button', { name: 'Enable' }), 'Changing the endpoint');
    await openEndpoint('to-delete');
    await refusedBeside(page.getByRole('button', { name: 'Delete' }), 'Deleting the endpoint');
  });

  it('a source’s Delete and an API key’s Revoke', async () => {
    await c.open('/sources');
    await page.getByRole('cell', { name: 'src-to-delete', exact: true }).click();
    await page.getByRole('button', { name: 'Delete' }).waitFor();
    expect((await t.api.delete(`${base}/sources/src-to-delete`)).status).toBe(204);
    await refusedBeside(page.getByRole('button', { name: 'Delete' }), 'Deleting the source');

    await c.open('/api-keys');
    const row = page.locator('main tbody tr', { hasText: 'to-revoke' });
    // The list loads after the page does; revoking before it is shown leaves no row to click (seen under load).
    await row.getByRole('button', { name: 'Revoke' }).waitFor();
    const id = (await t.api.get('/api/orgs/default/api-keys')).body.items.find(
      (k: { name: string }) => k.name === 'to-revoke',
    ).id;
    expect((await t.api.delete(`/api/orgs/default/api-keys/${id}`)).status).toBe(204);
    expect((await t.api.delete(`/api/orgs/default/api-keys/${id}`)).status).not.toBe(204);
    await refusedBeside(row.getByRole('button', { name: 'Revoke' }), 'Revoking the key');
  });
});
