// The console's audit log in a real browser against a real server: changes made through the API by named keys and
// the operator are listed newest first with their author, action, resource and the fields they set; the page
// narrows to one kind of resource or one name (kept in the address), opens from an endpoint's, a source's and a
// rule's own page, pages back with the API's cursor, says what the API refused, and is not offered to a publisher.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type ApiClient, type TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';

const base = '/api/orgs/default/eventhook';

interface Entry {
  id: string;
  at: string;
  resource: string;
  name: string;
  action: string;
}

describe.skipIf(!browserAvailable())('web console: the audit log', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;
  let alice: ApiClient;
  const keys: Record<'alice' | 'member' | 'publisher', string> = { alice: '', member: '', publisher: '' };

  beforeAll(async () => {
    c = await startConsole();
    ({ t, page } = c);
    for (const [name, role] of [
      ['alice', 'admin'],
      ['member', 'member'],
      ['publisher', 'publisher'],
    ] as const) {
      const made = await t.api.post('/api/orgs/default/api-keys', { name, role });
      expect(made.status, made.text).toBe(201);
      keys[name] = made.body.key;
    }
    alice = t.api.as(keys.alice);
  }, 60_000);
  afterAll(async () => c?.close());

  /** The table as the page shows it, a row per entry: its cells' text, the time left out. */
  const rows = (): Promise<string[][]> =>
    page
      .locator('main tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.children].slice(1).map((td) => td.textContent ?? '')));
  /** The id each row stands for (its title), top to bottom. */
  const rowIds = () =>
    page.locator('main tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('title')));
  /** The whole log (or the part `query` selects) as the API gives it, newest first. */
  const log = async (query = ''): Promise<Entry[]> => {
    const out: Entry[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; text: string; body: { items: Entry[]; nextCursor: string | null } } =
        await t.api.get(`${base}/audit-log?limit=200${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status, res.text).toBe(200);
      out.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return out;
  };
  const alices = 'alice (admin key)';

  it('lists each change newest first: when, who, what was done to which resource, and the fields set', async () => {
    const ep = await alice.post(`${base}/endpoints`, { slug: 'crm', url: 'https://crm.example.com/hooks' });
    expect(ep.status, ep.text).toBe(201);
    expect((await alice.patch(`${base}/endpoints/crm`, { timeoutMs: 2000 })).status).toBe(200);
    expect((await alice.post(`${base}/endpoints/crm/rotate-secret`, {})).status).toBe(200);
    const ci = await t.api.post('/api/orgs/default/api-keys', { name: 'ci', role: 'publisher' });
    expect(ci.status, ci.text).toBe(201);

    await c.signInWith(keys.member);
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    await page.getByRole('link', { name: 'Audit log', exact: true }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    expect(await rows()).toEqual([
      ['operator', 'created', 'API key ci', 'name, role'],
      [alices, 'secret rotated', 'endpoint crm', 'secrets'],
      [alices, 'updated', 'endpoint crm', 'timeoutMs'],
      [alices, 'created', 'endpoint crm', 'slug, url'],
      ['operator', 'created', 'API key publisher', 'name, role'],
      ['operator', 'created', 'API key member', 'name, role'],
      ['operator', 'created', 'API key alice', 'name, role'],
    ]);
    // Each row is the API's entry, dated as the browser writes the entry's time.
    const entries = await log();
    expect(await rowIds()).toEqual(entries.map((e) => e.id));
    const times = await page.locator('main tbody tr td:first-child').allTextContents();
    expect(times).toEqual(
      await page.evaluate(
        (ats) => ats.map((at) => new Date(at).toLocaleString()),
        entries.map((e) => e.at),
      ),
    );
    expect(await page.isHidden('text=Older changes')).toBe(true);
    expect(c.pageErrors()).toEqual([]);
  });

  it('narrows to one kind of resource and to one name, and keeps the filter in the address', async () => {
    const other = await alice.post(`${base}/endpoints`, { slug: 'billing', url: 'https://b.example.com/x' });
    expect(other.status, other.text).toBe(201);
    await c.open('/audit-log');
    await page.selectOption('select[name=resource]', 'endpoint');
    await page.click('button:text("Filter")');
    await page.waitForURL(/#\/audit-log\?resource=endpoint$/);
    await expect.poll(rows).toEqual([
      [alices, 'created', 'endpoint billing', 'slug, url'],
      [alices, 'secret rotated', 'endpoint crm', 'secrets'],
      [alices, 'updated', 'endpoint crm', 'timeoutMs'],
      [alices, 'created', 'endpoint crm', 'slug, url'],
    ]);

    await page.fill('input[name=name]', 'crm');
    await page.click('button:text("Filter")');
    await page.waitForURL(/#\/audit-log\?resource=endpoint&name=crm$/);
    const crm = [
      [alices, 'secret rotated', 'endpoint crm', 'secrets'],
      [alices, 'updated', 'endpoint crm', 'timeoutMs'],
      [alices, 'created', 'endpoint crm', 'slug, url'],
    ];
    await expect.poll(rows).toEqual(crm);
    // A reload shows the same, its filter filled in.
    await page.reload();
    await expect.poll(rows).toEqual(crm);
    expect(await page.inputValue('select[name=resource]')).toBe('endpoint');
    expect(await page.inputValue('input[name=name]')).toBe('crm');

    // A name alone, of any kind; and a resource's name in a row narrows to that resource.
    await page.selectOption('select[name=resource]', '');
    await page.fill('input[name=name]', 'ci');
    await page.click('button:text("Filter")');
    await expect.poll(rows).toEqual([['operator', 'created', 'API key ci', 'name, role']]);
    await c.open('/audit-log');
    await page.getByRole('link', { name: 'billing', exact: true }).click();
    await expect.poll(rows).toEqual([[alices, 'created', 'endpoint billing', 'slug, url']]);
  });

  it('opens the history of an endpoint, a source and a rule from its own page, by id across renames', async () => {
    const source = await alice.post(`${base}/sources`, { slug: 'shop', provider: 'github', secret: 's-1' });
    expect(source.status, source.text).toBe(201);
    expect((await alice.patch(`${base}/sources/shop`, { description: 'the shop' })).status).toBe(200);
    const rule = await alice.post(`${base}/rules`, {
      name: 'orders',
      pattern: { type: ['order.created'] },
      targets: [{ type: 'webhook', endpoint: 'crm' }],
    });
    expect(rule.status, rule.text).toBe(201);
    const history = () => page.getByRole('link', { name: 'History', exact: true });
    const historyOf = (resource: string, id: string) =>
      new RegExp(`#/audit-log\\?resource=${resource}&id=${id}$`);

    await c.open('/endpoints');
    await page.getByRole('cell', { name: 'crm', exact: true }).click();
    await history().click();
    await page.waitForURL(/#\/audit-log\?resource=endpoint&id=ep_\w+$/);
    await expect.poll(rows).toEqual([
      [alices, 'secret rotated', 'endpoint crm', 'secrets'],
      [alices, 'updated', 'endpoint crm', 'timeoutMs'],
      [alices, 'created', 'endpoint crm', 'slug, url'],
    ]);

    await c.open('/sources');
    await page.getByRole('cell', { name: 'shop', exact: true }).first().click();
    await history().click();
    await page.waitForURL(historyOf('source', source.body.id));
    await expect.poll(rows).toEqual([
      [alices, 'updated', 'source shop', 'description'],
      [alices, 'created', 'source shop', 'provider, secret, slug'],
    ]);

    // A rule renamed keeps one history, under both its names: the link asks for it by id.
    expect((await alice.patch(`${base}/rules/orders`, { name: 'orders-v2' })).status).toBe(200);
    await c.open('/rules');
    await history().click();
    await page.waitForURL(historyOf('rule', rule.body.id));
    await expect.poll(rows).toEqual([
      [alices, 'updated', 'rule orders-v2', 'name'],
      [alices, 'created', 'rule orders', 'name, pattern, targets'],
    ]);
    await page.getByText('under every name it had').waitFor();
    // And an entry's name opens the same history.
    await page.getByRole('link', { name: 'orders', exact: true }).click();
    await page.waitForURL(historyOf('rule', rule.body.id));
    expect(c.pageErrors()).toEqual([]);
  });

  it('pages back through older changes with the API’s cursor', async () => {
    expect(
      (await alice.post(`${base}/endpoints`, { slug: 'busy', url: 'https://x.example.com/' })).status,
    ).toBe(201);
    for (let i = 1; i <= 55; i++)
      expect((await alice.patch(`${base}/endpoints/busy`, { timeoutMs: 1000 + i })).status).toBe(200);
    await c.open('/audit-log?resource=endpoint&name=busy');
    await expect.poll(() => rowIds().then((ids) => ids.length)).toBe(50);
    await page.click('text=Older changes');
    await expect.poll(() => rowIds().then((ids) => ids.length)).toBe(56);
    expect(await page.isHidden('text=Older changes')).toBe(true);
    const entries = await log('&resource=endpoint&name=busy');
    expect(entries).toHaveLength(56);
    expect(await rowIds()).toEqual(entries.map((e) => e.id));
    expect((await rows()).at(-1)).toEqual([alices, 'created', 'endpoint busy', 'slug, url']);
    expect(c.pageErrors()).toEqual([]);
  });

  it('names Eventhook and its reason when it changed an endpoint itself', async () => {
    c.receiver.handle((_req, res) => void res.writeHead(410).end('gone'));
    const gone = await alice.post(`${base}/endpoints`, {
      slug: 'gone',
      url: `${c.receiver.url}/gone`,
      retry: { maxAttempts: 1 },
    });
    expect(gone.status, gone.text).toBe(201);
    const rule = await alice.post(`${base}/rules`, {
      name: 'to-gone',
      pattern: { type: ['gone.test'] },
      targets: [{ type: 'webhook', endpoint: 'gone' }],
    });
    expect(rule.status, rule.text).toBe(201);
    expect((await t.api.post(`${base}/events`, { type: 'gone.test', data: {} })).status).toBe(200);
    await eventually(
      async () => (await log('&resource=endpoint&name=gone')).some((e) => e.action === 'disabled'),
      10_000,
      'the endpoint disabled',
    );
    await c.open('/audit-log?resource=endpoint&name=gone');
    await expect.poll(rows).toEqual([
      ['Eventhook: the endpoint answered 410 Gone', 'disabled', 'endpoint gone', 'status'],
      [alices, 'created', 'endpoint gone', 'retry, slug, url'],
    ]);
  });

  it('says what the API refused', async () => {
    await c.open(`/audit-log?name=${'x'.repeat(256)}`);
    await page
      .getByText('Could not load this page: query parameter name: must NOT have more than 255 characters')
      .waitFor();
  });

  it('is not offered to a publisher key, which may not read the org', async () => {
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await c.signInWith(keys.publisher);
    await page.getByRole('heading', { name: 'This key cannot use the console' }).waitFor();
    expect(await page.getByRole('link', { name: 'Audit log' }).isVisible()).toBe(false);
    await c.open('/audit-log');
    await page.getByRole('heading', { name: 'This key cannot use the console' }).waitFor();
    expect(asked.filter((p) => p.endsWith('/audit-log'))).toEqual([]);
    // A member key, signed in again, has it in the menu.
    await c.signInWith(keys.member);
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    expect(await page.getByRole('link', { name: 'Audit log', exact: true }).isVisible()).toBe(true);
  });
});
