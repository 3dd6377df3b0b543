// The console's API keys page in a real browser against a real server: an admin key lists the org's keys, makes a
// member key with an expiry (its key shown once, and working), revokes it (and the API then refuses it), sees a past
// expiry refused with the API's field message, sees an expired key marked as such, and is warned before revoking the
// key it is signed in with; a member key is not offered the page; the page fits a phone's width.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, type TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';

const keysPath = '/api/orgs/default/api-keys';

interface Key {
  id: string;
  name: string;
  role: string;
  revokedAt: string | null;
  expiresAt: string | null;
}

describe.skipIf(!browserAvailable())('web console: API keys', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;
  const keys = { admin: '', member: '' };

  beforeAll(async () => {
    c = await startConsole();
    ({ t, page } = c);
    for (const [name, role] of [
      ['dana', 'admin'],
      ['member-1', 'member'],
    ] as const) {
      const made = await t.api.post(keysPath, { name, role });
      expect(made.status, made.text).toBe(201);
      keys[role] = made.body.key;
    }
  }, 60_000);
  afterAll(async () => c?.close());

  const signInAs = async (key: string) => {
    await c.signInWith(key);
    await page.getByRole('heading', { name: 'Events' }).waitFor();
  };
  const listed = async () => (await t.api.get(keysPath)).body.items as Key[];
  const rowOf = (name: string) => page.locator('main tbody tr', { hasText: name });
  /**
   * A time `offsetMs` from now as a datetime-local field takes it (the browser's local time, to the minute) and as
   * the API should receive it.
   */
  const localTime = (offsetMs: number) =>
    page.evaluate((offset) => {
      const d = new Date(Date.now() + offset);
      d.setSeconds(0, 0);
      const two = (n: number) => String(n).padStart(2, '0');
      const local = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
      return { local, iso: d.toISOString(), shown: d.toLocaleString() };
    }, offsetMs);

  it('makes a member key with an expiry, shows it once, lists it and revokes it', async () => {
    await signInAs(keys.admin);
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    expect(await rowOf('dana').textContent()).toContain('dana (this console)admin');
    expect(await rowOf('member-1').textContent()).toContain('member-1member');

    const expiry = await localTime(3 * 86_400_000);
    const form = page.locator('form.new-api-key');
    // No role is chosen until the user chooses one (see the next test).
    expect(await form.locator('select[name=role]').inputValue()).toBe('');
    await form.locator('input[name=name]').fill('ci-job');
    await form.locator('select[name=role]').selectOption('member');
    await form.locator('input[name=expiresAt]').fill(expiry.local);
    await form.getByRole('button', { name: 'Create API key' }).click();
    await page.getByText('API key ci-job created.').waitFor();
    const notice = page.locator('.notice');
    expect(await notice.textContent()).toContain('The member key ci-job, shown once');
    expect(await notice.textContent()).toContain(`It works until ${expiry.shown}.`);
    const key = (await notice.locator('.secret-once code').textContent())!;
    expect(key).toMatch(/^ehk_/);

    // The key shown works, as the member key named on the form, expiring when the form said.
    const ci = t.api.as(key);
    const me = await ci.get('/api/orgs/default/me');
    expect(me.status, me.text).toBe(200);
    expect(me.body).toMatchObject({ kind: 'key', name: 'ci-job', role: 'member', expiresAt: expiry.iso });

    // Listed with its expiry, active; the key itself is in no list.
    const row = rowOf('ci-job');
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(1, 3)).toEqual(['member', `${key.slice(0, 10)}…`]);
    expect(cells[5]).toBe(expiry.shown);
    expect(cells[6]).toBe('active');
    const id = (await t.api.get(keysPath)).body.items.find((k: { name: string }) => k.name === 'ci-job').id;
    expect(await row.getByRole('link', { name: 'History' }).getAttribute('href')).toBe(
      `#/audit-log?resource=api_key&id=${id}`,
    );
    // A fresh visit lists it from the API, without the key.
    await c.open('/api-keys');
    await rowOf('ci-job').waitFor();
    expect(await page.locator('.notice').count()).toBe(0);
    expect(await page.textContent('main')).not.toContain(key);

    // Revoking asks first; cancelled, the key still works.
    const questions: string[] = [];
    page.once('dialog', (d) => {
      questions.push(d.message());
      void d.dismiss();
    });
    await rowOf('ci-job').getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => questions.length).toBe(1);
    expect(questions[0]).toContain('Revoke API key ci-job (member,');
    expect(questions[0]).not.toContain('signed in with');
    expect((await ci.get('/api/orgs/default/me')).status).toBe(200);
    page.once('dialog', (d) => void d.accept());
    await rowOf('ci-job').getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('API key ci-job was revoked.').waitFor();
    await rowOf('ci-job').locator('.status.revoked').waitFor();
    expect(await rowOf('ci-job').getByRole('button', { name: 'Revoke' }).count()).toBe(0);
    expect((await ci.get('/api/orgs/default/me')).status).toBe(401);
    expect((await listed()).find((k) => k.name === 'ci-job')?.revokedAt).not.toBeNull();
    expect(c.pageErrors()).toEqual([]);
  }, 60_000);

  it('makes no key until a role is chosen: an untouched role is no role, never admin', async () => {
    await c.open('/api-keys');
    const form = page.locator('form.new-api-key');
    const role = form.locator('select[name=role]');
    await form.locator('input[name=name]').fill('untouched-role');
    await form.getByRole('button', { name: 'Create API key' }).click();
    // The browser holds the form back and says why, beside the role; the API was asked nothing.
    expect(
      await role.evaluate((el) => (el as unknown as { validationMessage: string }).validationMessage),
    ).not.toBe('');
    await new Promise((r) => setTimeout(r, 300));
    expect((await listed()).map((k) => k.name)).not.toContain('untouched-role');
    expect(await page.locator('.notice').count()).toBe(0);

    await role.selectOption('publisher');
    await form.getByRole('button', { name: 'Create API key' }).click();
    await page.getByText('API key untouched-role created.').waitFor();
    expect((await listed()).find((k) => k.name === 'untouched-role')?.role).toBe('publisher');
  });

  it('shows the API’s message for an expiry in the past and makes no key', async () => {
    await c.open('/api-keys');
    const past = await localTime(-86_400_000);
    const form = page.locator('form.new-api-key');
    await form.locator('input[name=name]').fill('too-late');
    await form.locator('select[name=role]').selectOption('member');
    await form.locator('input[name=expiresAt]').fill(past.local);
    await form.getByRole('button', { name: 'Create API key' }).click();
    await page.getByText('Creating the API key failed: /expiresAt: must be in the future').waitFor();
    expect(await page.locator('.notice').count()).toBe(0);
    expect((await listed()).map((k) => k.name)).not.toContain('too-late');
  });

  it('marks an expired key expired and offers no Revoke for it', async () => {
    const made = await t.api.post(keysPath, {
      name: 'short-lived',
      role: 'publisher',
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    });
    expect(made.status, made.text).toBe(201);
    await new Promise((r) => setTimeout(r, Date.parse(made.body.expiresAt) + 500 - Date.now()));
    await c.open('/api-keys');
    const cells = await rowOf('short-lived').locator('td').allTextContents();
    expect(cells[5]).toMatch(/ \(expired\)$/);
    expect(cells[6]).toBe('expired');
    expect(await rowOf('short-lived').getByRole('button', { name: 'Revoke' }).count()).toBe(0);
  });

  it('warns before revoking the key the console is signed in with, then asks for another key', async () => {
    const expiry = await localTime(86_400_000);
    const made = await t.api.post(keysPath, { name: 'temp-admin', role: 'admin', expiresAt: expiry.iso });
    expect(made.status, made.text).toBe(201);
    await signInAs(made.body.key);
    // The header says when the signed-in key stops working.
    expect(await page.textContent('#who')).toContain(`admin key temp-admin (expires ${expiry.shown})`);
    await c.open('/api-keys');
    const row = rowOf('temp-admin (this console)');
    let question = '';
    page.once('dialog', (d) => {
      question = d.message();
      void d.accept();
    });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.locator('input[name=token]').waitFor();
    expect(question).toContain('This is the key this console is signed in with: the console stops working');
    expect(await page.textContent('#flash')).toContain(
      'API key temp-admin, which this console was signed in with, was revoked. Sign in with another key.',
    );
    expect((await t.api.as(made.body.key).get('/api/orgs/default/me')).status).toBe(401);
    // Signed out, the menu offers no API keys.
    expect(await page.getByRole('link', { name: 'API keys' }).count()).toBe(0);
  });

  it('is not offered to a member key, and the operator token sees it', async () => {
    // The refused expiry of an earlier test is one already; nothing here may add another.
    const refusals = c.pageErrors().length;
    const asked: string[] = [];
    const onRequest = (r: { url(): string }) => asked.push(new URL(r.url()).pathname);
    page.on('request', onRequest);
    await signInAs(keys.member);
    expect(await page.textContent('#who')).toContain('member key member-1');
    expect(await page.getByRole('link', { name: 'Audit log' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    // Its address opened anyway: the page says why there is nothing, and asks the API nothing it would refuse.
    await c.open('/api-keys');
    await page.getByText('Only an admin key or the operator token may manage the org’s API keys.').waitFor();
    expect(await page.locator('form.new-api-key').count()).toBe(0);
    page.off('request', onRequest);
    expect(asked).not.toContain(keysPath);

    await signInAs(OPERATOR_TOKEN);
    await page.getByRole('link', { name: 'API keys' }).click();
    await rowOf('dana').waitFor();
    expect(await page.locator('main').textContent()).not.toContain('(this console)');
    // It fits a phone's width: the list scrolls in its own box, the form fits, never the page scrolls sideways.
    const viewport = page.viewportSize()!;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBe(390);
    } finally {
      await page.setViewportSize(viewport);
    }
    expect(c.pageErrors().slice(refusals)).toEqual([]);
  });
});
