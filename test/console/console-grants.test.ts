// The console's grants screen in a real browser against a real server: grants listed, given (and refused with the
// API's message), changed (their types and description, what the API refuses shown in the form, a change that met
// another one saying so), and taken back; a member key sees them with nothing to change them; the edit form fits a
// phone's width.
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';

const base = '/api/orgs/default/eventhook';

describe.skipIf(!browserAvailable())('web console: grants', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;
  /** The PATCH requests the page sent, in order, with their bodies. */
  const patches: { url: string; body: unknown }[] = [];

  beforeAll(async () => {
    c = await startConsole();
    ({ t, page } = c);
    page.on('request', (r: Request) => {
      if (r.method() === 'PATCH') patches.push({ url: r.url(), body: r.postDataJSON() });
    });
    await c.signIn();
  }, 60_000);
  afterAll(async () => c?.close());

  const grants = async () =>
    (await t.api.get(`${base}/grants`)).body.items as {
      id: string;
      fromOrg: string;
      eventTypes: string[] | null;
      description: string;
    }[];

  it('lists, gives, refuses and takes back grants', async () => {
    for (const slug of ['billing', 'shipping'])
      expect((await t.api.post('/api/orgs', { slug })).status).toBe(201);
    await page.goto(`${t.url}/#/events`);
    await page.getByRole('link', { name: 'Grants' }).click();
    await page.getByRole('heading', { name: 'Grants' }).waitFor();
    await page.getByRole('cell', { name: 'Nothing yet.' }).waitFor();

    // A pattern the API refuses: its message, with the entry's path, is shown and nothing is given.
    const form = page.locator('form.new-grant');
    await form.locator('input[name=fromOrg]').fill('billing');
    await form.locator('textarea[name=eventTypes]').fill('billing.*\nbil*ing');
    await form.getByRole('button', { name: 'Create grant' }).click();
    await page.getByText('Creating the grant failed: /eventTypes/1: bil*ing is neither').waitFor();
    await form.locator('input[name=fromOrg]').fill('nowhere');
    await form.locator('textarea[name=eventTypes]').fill('');
    await form.getByRole('button', { name: 'Create grant' }).click();
    await page.getByText('Creating the grant failed: /fromOrg: org nowhere does not exist').waitFor();
    expect(await grants()).toEqual([]);

    // Exact types and a prefix pattern, one a line.
    await form.locator('input[name=fromOrg]').fill('billing');
    await form.locator('textarea[name=eventTypes]').fill(' billing.* \n\norder.created\n');
    await form.locator('input[name=description]').fill('invoices and orders');
    await form.getByRole('button', { name: 'Create grant' }).click();
    await page.getByText('Org billing may now publish into this org.').waitFor();
    const billingRow = page.locator('tr', { has: page.getByRole('cell', { name: 'billing', exact: true }) });
    await billingRow.waitFor();
    expect(await billingRow.textContent()).toContain('billing.* (prefix)order.createdinvoices and orders');
    expect(await grants()).toEqual([
      expect.objectContaining({
        fromOrg: 'billing',
        eventTypes: ['billing.*', 'order.created'],
        description: 'invoices and orders',
      }),
    ]);

    // No types: every type.
    await page.locator('form.new-grant input[name=fromOrg]').fill('shipping');
    await page.locator('form.new-grant').getByRole('button', { name: 'Create grant' }).click();
    const shippingRow = page.locator('tr', {
      has: page.getByRole('cell', { name: 'shipping', exact: true }),
    });
    await shippingRow.getByText('every type').waitFor();
    const [billing, shipping] = await grants();
    expect(shipping).toMatchObject({ fromOrg: 'shipping', eventTypes: null });

    // A fresh visit lists both from the API.
    await c.open('/grants');
    await shippingRow.waitFor();
    await billingRow.waitFor();

    const question = await c.deleteAfterAsking(
      `${base}/grants/${billing!.id}`,
      billingRow.getByRole('button', { name: 'Delete' }),
    );
    expect(question).toContain('Delete the grant to org billing?');
    await page.getByText('The grant to org billing was deleted.').waitFor();
    await billingRow.waitFor({ state: 'detached' });
    expect((await t.api.get(`${base}/grants/${billing!.id}`)).status).toBe(404);
    expect((await grants()).map((g) => g.fromOrg)).toEqual(['shipping']);
  });

  it('changes a grant’s types and description, showing what the API refuses in the form', async () => {
    const created = await t.api.post(`${base}/grants`, {
      fromOrg: 'billing',
      eventTypes: ['billing.*'],
      description: 'invoices',
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    const grant = async () => (await t.api.get(`${base}/grants/${id}`)).body;
    await c.open('/grants');
    const row = page.locator('tr', { has: page.getByRole('cell', { name: 'billing', exact: true }) });
    await row.getByRole('button', { name: 'Edit' }).click();
    const form = page.locator('form.edit-grant');
    const field = (name: string) => form.locator(`[name=${name}]`);
    const save = () => form.getByRole('button', { name: 'Save changes' }).click();
    await form.getByRole('heading', { name: 'Change the grant to org billing' }).waitFor();
    // Filled with the grant as it is; the org it lets publish is not a field.
    expect(await field('eventTypes').inputValue()).toBe('billing.*');
    expect(await field('description').inputValue()).toBe('invoices');
    expect(await field('fromOrg').count()).toBe(0);

    // Nothing changed: nothing is sent.
    await save();
    await page.getByText('Nothing changed.').waitFor();
    expect(patches).toEqual([]);

    // A pattern the API refuses: shown in the form at its entry, and nothing is saved.
    await field('eventTypes').fill('billing.*\nbil*ing');
    await save();
    await form.locator('.problem li', { hasText: /^\/eventTypes\/1: bil\*ing is neither/ }).waitFor();
    expect(await grant()).toMatchObject({ eventTypes: ['billing.*'], description: 'invoices' });

    await field('eventTypes').fill(' billing.*\n\nrefund.created\n');
    await field('description').fill('invoices and refunds');
    await save();
    await page.getByText('The grant to org billing was saved.').waitFor();
    await form.waitFor({ state: 'detached' });
    expect(patches.at(-1)).toEqual({
      url: `${t.url}${base}/grants/${id}`,
      body: { eventTypes: ['billing.*', 'refund.created'], description: 'invoices and refunds' },
    });
    expect(await row.textContent()).toContain('billing.* (prefix)refund.createdinvoices and refunds');
    expect(await grant()).toMatchObject({
      id,
      fromOrg: 'billing',
      eventTypes: ['billing.*', 'refund.created'],
      description: 'invoices and refunds',
    });

    // No types: every type, sent as null; the description untouched is not sent.
    await row.getByRole('button', { name: 'Edit' }).click();
    await field('eventTypes').fill('');
    await save();
    await row.getByText('every type').waitFor();
    expect(patches.at(-1)!.body).toEqual({ eventTypes: null });
    expect(await grant()).toMatchObject({ eventTypes: null, description: 'invoices and refunds' });
  });

  it('says so when the grant changed while the change was being saved, and reloads', async () => {
    const [billing] = (await grants()).filter((g) => g.fromOrg === 'billing');
    await c.open('/grants');
    const row = page.locator('tr', { has: page.getByRole('cell', { name: 'billing', exact: true }) });
    await row.getByRole('button', { name: 'Edit' }).click();
    const form = page.locator('form.edit-grant');
    // Another change is saved in between: the API answers this one 409, as the grant's service does then.
    await page.route(`**${base}/grants/${billing!.id}`, (route) =>
      route.request().method() === 'PATCH'
        ? route.fulfill({
            status: 409,
            contentType: 'application/problem+json',
            body: JSON.stringify({
              type: 'urn:eventhook:error:EH_CONCURRENT_CHANGE',
              title: 'Conflict',
              status: 409,
              code: 'EH_CONCURRENT_CHANGE',
              detail: `Grant ${billing!.id} changed while this change was being saved; try again`,
            }),
          })
        : route.continue(),
    );
    try {
      await form.locator('[name=description]').fill('mine');
      await form.getByRole('button', { name: 'Save changes' }).click();
      await form
        .getByText('Someone else changed it while this change was being saved, so nothing was saved.')
        .waitFor();
      expect(await page.locator('#flash').textContent()).toBe('');
    } finally {
      await page.unroute(`**${base}/grants/${billing!.id}`);
    }
    expect((await grants()).find((g) => g.id === billing!.id)!.description).toBe('invoices and refunds');
    const reloaded = page.waitForEvent('load');
    await form.getByRole('button', { name: 'Reload' }).click();
    await reloaded;
    await page.getByRole('heading', { name: 'Grants' }).waitFor();
    await row.waitFor();
    expect(await page.locator('form.edit-grant').count()).toBe(0);
  });

  it('fits a phone’s width with the edit form open', async () => {
    const viewport = page.viewportSize()!;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await c.open('/grants');
      const row = page.locator('tr', { has: page.getByRole('cell', { name: 'billing', exact: true }) });
      await row.getByRole('button', { name: 'Edit' }).click();
      await page.locator('form.edit-grant textarea[name=eventTypes]').waitFor();
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBe(390);
      const box = await page.locator('form.edit-grant textarea[name=eventTypes]').boundingBox();
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    } finally {
      await page.setViewportSize(viewport);
    }
  });

  it('shows a member key the grants without Edit, Delete or the form to give one', async () => {
    const member = await t.api.post('/api/orgs/default/api-keys', { name: 'reader', role: 'member' });
    expect(member.status, member.text).toBe(201);
    await page.getByRole('link', { name: 'sign out' }).click();
    await page.fill('input[name=token]', member.body.key);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    await c.open('/grants');
    const row = page.locator('tr', { has: page.getByRole('cell', { name: 'billing', exact: true }) });
    await row.waitFor();
    expect(await row.textContent()).toContain('every typeinvoices and refunds');
    for (const name of ['Edit', 'Delete', 'Create grant'])
      expect(await page.getByRole('button', { name, exact: true }).count(), name).toBe(0);
    expect(await page.locator('form.new-grant').count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'New grant' }).count()).toBe(0);

    // The page met these failures: the two refusals of new grants, the refused pattern (400) and the change that
    // met another (409); none of the member's, which was offered nothing the API would refuse.
    const failures = c.pageErrors();
    expect(failures.map((e) => /status of (\d+)/.exec(e)?.[1])).toEqual(['400', '400', '400', '409']);
  });
});
