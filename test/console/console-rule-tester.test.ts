// The rules page's "Test pattern" in a real browser against a real server: a member key, which may read rules but
// not change them, puts a saved rule's pattern into the tester with one click and sees the events it matches; an
// admin changing one rule who tests another's pattern is no longer changing the first.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';
import { ruleRecord } from '../helpers/records.js';

const base = '/api/orgs/default/eventhook';
const BIG_ORDERS = { type: ['order.placed'], data: { total: [{ numeric: ['>=', 100] }] } };
const PAYMENTS = { type: ['payment.done'] };

describe.skipIf(!browserAvailable())('web console: a saved rule’s pattern in the tester', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;
  const keys: Record<'admin' | 'member', string> = { admin: '', member: '' };

  beforeAll(async () => {
    c = await startConsole();
    ({ t, page } = c);
    for (const role of ['admin', 'member'] as const) {
      const made = await t.api.post('/api/orgs/default/api-keys', { name: `${role}-1`, role });
      expect(made.status, made.text).toBe(201);
      keys[role] = made.body.key;
    }
    for (const [name, pattern] of [
      ['big-orders', BIG_ORDERS],
      ['payments', PAYMENTS],
    ] as const) {
      const rule = await t.api.post(`${base}/rules`, {
        name,
        pattern,
        targets: [{ type: 'task', kind: name }],
      });
      expect(rule.status, rule.text).toBe(201);
    }
    // The small order has the big-orders rule's type but not its total: only the whole pattern tells them apart.
    for (const [type, subject, data] of [
      ['order.placed', 'order-big', { total: 250 }],
      ['order.placed', 'order-small', { total: 5 }],
      ['payment.done', 'pay-1', { ref: 'order-big' }],
    ] as const) {
      const sent = await t.api.post(`${base}/events`, { type, subject, source: 'shop', data });
      expect(sent.status, sent.text).toBe(200);
    }
  }, 60_000);
  afterAll(async () => c?.close());

  const signInAs = async (key: string) => {
    await c.signInWith(key);
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    await c.open('/rules');
  };
  const rowOf = (name: string) => page.locator('tr', { has: page.getByRole('cell', { name, exact: true }) });
  const patternText = () => page.inputValue('textarea[name=pattern]');
  /** Runs the tester: the matched events it shows (type, source, subject), once it answered. */
  const runTester = async () => {
    await page.getByRole('button', { name: 'Test against recent events' }).click();
    await page.getByText(/^\d+ of the last \d+ events \(7 days\) match/).waitFor();
    const summary = await page.locator('.test-result p').textContent();
    const rows = await page
      .locator('.test-result tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    return { matched: Number(summary!.split(' ')[0]), rows };
  };

  it('lets a member load a rule’s pattern with one click and shows the events that pattern matches', async () => {
    const refusals = c.pageErrors().length;
    await signInAs(keys.member);
    await rowOf('big-orders').waitFor();
    // The tester starts with the example: a click that did nothing would leave it there.
    expect(JSON.parse(await patternText())).not.toEqual(BIG_ORDERS);

    await rowOf('big-orders').getByRole('button', { name: 'Test pattern' }).click();
    expect(await patternText()).toBe(JSON.stringify(BIG_ORDERS, null, 2));
    // Focused, so the member can go on typing into it, or run it with the keyboard.
    expect(await page.evaluate('document.activeElement?.getAttribute("name")')).toBe('pattern');
    expect(await runTester()).toEqual({ matched: 1, rows: [['order.placed', 'app:shop', 'order-big']] });

    // Another rule replaces the pattern, and the last answer, which was about the first pattern, goes.
    await rowOf('payments').getByRole('button', { name: 'Test pattern' }).click();
    expect(await patternText()).toBe(JSON.stringify(PAYMENTS, null, 2));
    expect(await page.locator('.test-result').textContent()).toBe('');
    expect(await runTester()).toEqual({ matched: 1, rows: [['payment.done', 'app:shop', 'pay-1']] });
    // Nothing was offered that the API then refused.
    expect(c.pageErrors().slice(refusals)).toEqual([]);
  }, 60_000);

  it('takes an admin out of changing one rule when it tests another’s pattern, so Save cannot overwrite it', async () => {
    await signInAs(keys.admin);
    await rowOf('payments').getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Change rule payments' }).waitFor();

    await rowOf('big-orders').getByRole('button', { name: 'Test pattern' }).click();
    await page.getByRole('heading', { name: 'New rule' }).waitFor();
    expect(await page.inputValue('input[name=name]')).toBe('');
    expect(await patternText()).toBe(JSON.stringify(BIG_ORDERS, null, 2));
    expect(await runTester()).toEqual({ matched: 1, rows: [['order.placed', 'app:shop', 'order-big']] });
    // Save with no name is stopped by the form; the rule that was being changed keeps its pattern.
    await page.getByRole('button', { name: 'Save rule' }).click();
    expect((await t.api.get(`${base}/rules/payments`)).body.pattern).toEqual(PAYMENTS);
  }, 60_000);

  it('shows beside a rule saved before today’s checks the part of its pattern that can never match', async () => {
    await t.app.store.rules.insert(
      ruleRecord('default', 'legacy-headers', Date.now(), {
        pattern: { headers: { 'X-GitHub-Event': ['push'] } } as never,
      }),
    );
    await c.open('/rules');
    const row = page.locator('tr', { has: page.getByRole('cell', { name: 'legacy-headers', exact: true }) });
    await expect
      .poll(() => row.getByRole('note').textContent())
      .toContain('/pattern/headers/X-GitHub-Event: X-GitHub-Event is no header name an event has');
    const fine = page.locator('tr', { has: page.getByRole('cell', { name: 'payments', exact: true }) });
    expect(await fine.getByRole('note').count()).toBe(0);
  });
});
