// The console shows each key what its role may use, as GET /api/orgs/{org}/me tells it: a member key sees no
// create, edit or delete on sources, endpoints, rules and grants, but replays, retries and cancels; an admin key sees
// them all; a publisher or worker key, whose role may not read the org, is told the console is not for it.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyRole } from '../../src/store/records.js';
import { createDeadEndRule, eventually, OPERATOR_TOKEN, type TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';
import { createSource } from '../helpers/ingest.js';
import { createRule } from '../helpers/outbound.js';

const base = '/api/orgs/default/eventhook';

/** What a key that may change configuration sees, page by page (the details of one item opened). */
const CONFIG_BUTTONS = {
  sources: ['Edit', 'Advanced settings', 'Rotate secret', 'Delete', 'Create source'],
  endpoints: [
    'Pause',
    'Edit',
    'Advanced settings',
    'Send test message',
    'Rotate secret',
    'Delete',
    'Create endpoint',
  ],
  rules: ['Edit', 'Switch off', 'Delete', 'Save rule'],
  grants: ['Edit', 'Delete', 'Create grant'],
} as const;

describe.skipIf(!browserAvailable())('web console: what each role sees', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;
  const keys: Partial<Record<ApiKeyRole, string>> = {};
  let eventId: string;
  let taskId: string;

  beforeAll(async () => {
    c = await startConsole();
    ({ t, page } = c);
    for (const role of ['admin', 'member', 'publisher', 'worker'] as const) {
      const made = await t.api.post('/api/orgs/default/api-keys', { name: `${role}-1`, role });
      expect(made.status, made.text).toBe(201);
      keys[role] = made.body.key;
    }
    await createSource(t, { slug: 'github', provider: 'github', secret: 'gh-secret' });
    const ep = await t.api.post(`${base}/endpoints`, { slug: 'crm', url: 'https://crm.example.com/hooks' });
    expect(ep.status, ep.text).toBe(201);
    expect((await t.api.post('/api/orgs', { slug: 'billing' })).status).toBe(201);
    const grant = await t.api.post(`${base}/grants`, { fromOrg: 'billing', eventTypes: ['billing.*'] });
    expect(grant.status, grant.text).toBe(201);
    // A dead action (to retry), a pending task (to cancel) and an event (to replay).
    await createDeadEndRule(t.api);
    await createRule(t, 'orders', 'order.placed', [{ type: 'task', kind: 'ship' }]);
    eventId = (await t.api.post(`${base}/events`, { type: 'payment.done', data: { ref: 'nobody' } })).body
      .eventId;
    await t.api.post(`${base}/events`, { type: 'order.placed', data: { orderId: 'o-1' } });
    await eventually(
      async () => (await t.api.get(`${base}/actions?status=dead`)).body.items.length === 1 || undefined,
    );
    taskId = await eventually(
      async () => (await t.api.get(`${base}/engine/tasks?status=pending`)).body.items[0]?.id as string,
    );
  }, 60_000);
  afterAll(async () => c?.close());

  const signOut = async () => {
    await page.goto(`${t.url}/`);
    if (await page.getByRole('link', { name: 'sign out' }).count())
      await page.getByRole('link', { name: 'sign out' }).click();
    await page.locator('input[name=token]').waitFor();
  };
  const submitKey = async (key: string) => {
    await page.fill('input[name=token]', key);
    await page.click('button[type=submit]');
  };
  const signInAs = async (key: string) => {
    await signOut();
    await submitKey(key);
  };
  const button = (name: string) => page.getByRole('button', { name, exact: true });
  /** Opens each configuration page (and one item of it): which of the buttons that change configuration it shows. */
  const configButtons = async () => {
    const seen: Record<string, boolean> = {};
    const count = async (section: keyof typeof CONFIG_BUTTONS) => {
      for (const name of CONFIG_BUTTONS[section])
        seen[`${section}: ${name}`] = (await button(name).count()) > 0;
    };
    await c.open('/sources');
    await page.getByRole('cell', { name: 'github', exact: true }).first().click();
    await button('Check a request').waitFor();
    await count('sources');
    await c.open('/endpoints');
    await page.getByRole('cell', { name: 'crm', exact: true }).click();
    await page.locator('dl.health').waitFor();
    await count('endpoints');
    await c.open('/rules');
    await button('Test against recent events').waitFor();
    await page.getByRole('cell', { name: 'orders', exact: true }).waitFor();
    await count('rules');
    await c.open('/grants');
    await page.getByRole('cell', { name: 'billing', exact: true }).waitFor();
    await count('grants');
    return seen;
  };
  /** Replay on an event, Retry on the dead letters, Cancel on a pending task: how many of each the key sees. */
  const operationButtons = async () => {
    await c.open(`/events/${eventId}`);
    await page.getByRole('heading', { name: 'Actions' }).waitFor();
    const replay = await button('Replay').count();
    await c.open('/dead-letters');
    await page.getByText('1 dead').waitFor();
    const retryAll = await button('Retry all').count();
    const retry = await button('Retry').count();
    await c.open(`/engine/tasks/${taskId}`);
    await page.getByRole('heading', { name: 'Task ship pending' }).waitFor();
    const cancel = await button('Cancel task').count();
    return { replay, retryAll, retry, cancel };
  };
  const everyButton = (n: boolean) =>
    Object.fromEntries(
      Object.entries(CONFIG_BUTTONS).flatMap(([p, names]) => names.map((name) => [`${p}: ${name}`, n])),
    );

  it('shows a member key no create, edit or delete, but replay, retry and cancel', async () => {
    const refusals = c.pageErrors().length;
    await signInAs(keys.member!);
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    expect(await page.textContent('#who')).toContain('member key member-1');
    expect(await configButtons()).toEqual(everyButton(false));
    // What a member may still do on those pages: check a request against a source (above), test a pattern.
    await c.open('/rules');
    await page.getByRole('heading', { name: 'Test a pattern' }).waitFor();
    expect(await page.locator('form input[name=name], form textarea[name=targets]').count()).toBe(0);
    await button('Test against recent events').click();
    await page.getByText(/\d+ of the last \d+ events \(7 days\) match/).waitFor();
    expect(await operationButtons()).toEqual({ replay: 1, retryAll: 1, retry: 1, cancel: 1 });
    // Nothing was offered that the API then refused.
    expect(c.pageErrors().slice(refusals)).toEqual([]);
  }, 60_000);

  it('shows an admin key and the operator token every button', async () => {
    for (const [key, who] of [
      [keys.admin!, 'admin key admin-1'],
      [OPERATOR_TOKEN, 'operator token'],
    ] as const) {
      await signInAs(key);
      await page.getByRole('heading', { name: 'Events' }).waitFor();
      expect(await page.textContent('#who')).toContain(who);
      expect(await configButtons(), who).toEqual(everyButton(true));
      expect(await operationButtons(), who).toEqual({ replay: 1, retryAll: 1, retry: 1, cancel: 1 });
    }
  }, 90_000);

  it('tells a publisher or worker key that its role cannot use the console, and asks nothing else', async () => {
    const asked: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/')) asked.push(new URL(r.url()).pathname);
    });
    for (const role of ['publisher', 'worker'] as const) {
      await signOut();
      asked.length = 0;
      await submitKey(keys[role]!);
      await page.getByRole('heading', { name: 'This key cannot use the console' }).waitFor();
      expect(await page.textContent('main')).toContain(
        `This is a ${role} key: the ${role} role may not read this org`,
      );
      expect(await page.locator('nav').isVisible()).toBe(false);
      // Any page says the same, without a call the role would be refused.
      await c.open('/sources');
      await page.getByRole('heading', { name: 'This key cannot use the console' }).waitFor();
      expect(await button('Create source').count()).toBe(0);
      expect(new Set(asked)).toEqual(new Set(['/api/orgs/default/me']));
    }
    // Signing out brings the sign-in form and the menu back.
    await page.getByRole('link', { name: 'sign out' }).click();
    await page.locator('input[name=token]').waitFor();
    expect(await page.locator('nav').isVisible()).toBe(true);
  });

  it('sends a key signed in to an org that is not its own, or none, back to the sign-in form, saying why', async () => {
    for (const org of ['billing', 'no-such-org']) {
      await signOut();
      await page.fill('input[name=org]', org);
      await submitKey(keys.admin!);
      await page
        .getByText(
          `This key has no org ${org}: the org does not exist, or the key is another org's. Sign in again.`,
        )
        .waitFor();
      await page.locator('input[name=token]').waitFor();
      expect(await page.textContent('#who')).toBe('');
    }
    // The right org still signs in.
    await submitKey(keys.admin!);
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    expect(await page.textContent('#who')).toContain('org default');
  });
});
