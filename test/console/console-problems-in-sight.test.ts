// Where the console says that an action failed: beside the form or button that failed (the form's end, after the
// button) and kept there until it is tried again, not in a banner at the top of the page that is out of sight once
// the page is scrolled down to a form (on a phone, below a list) and goes away after a few seconds.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';

/** Whether the element is wholly inside the window as the page is scrolled now. */
const inSight = (page: Page, selector: string) =>
  page.evaluate(`(() => {
    const r = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight + 1;
  })()`);

describe.skipIf(!browserAvailable())('web console: a failure is shown where it happened', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;

  beforeAll(async () => {
    c = await startConsole();
    ({ t, page } = c);
    for (const name of ['one', 'two', 'three', 'four']) {
      const res = await t.api.post('/api/orgs/default/eventhook/rules', {
        name,
        pattern: { type: [`${name}.happened`] },
        targets: [{ type: 'workflow', kind: name }],
      });
      expect(res.status, res.text).toBe(201);
    }
    await page.setViewportSize({ width: 375, height: 740 });
    await c.signIn();
  }, 60_000);
  afterAll(async () => c?.close());

  it('a refused rule says why inside its form, in sight at a phone’s width, until it is saved again', async () => {
    await c.open('/rules');
    const form = page.locator('form', { hasText: 'Save rule' });
    await form.locator('input[name=name]').fill('broken');
    await form.locator('textarea[name=pattern]').fill('{"type": "not-an-array"}');
    await form.getByRole('button', { name: 'Save rule' }).click();
    const problem = form.getByRole('alert');
    await problem.getByText(/^Saving the rule failed: Invalid pattern at type/).waitFor();
    expect(await inSight(page, 'form .problem')).toBe(true);
    await page.waitForTimeout(6_500);
    expect(await problem.count()).toBe(1);

    await form.locator('textarea[name=pattern]').fill('{"type": ["fixed.happened"]}');
    await form.getByRole('button', { name: 'Save rule' }).click();
    await page.getByRole('cell', { name: 'broken', exact: true }).waitFor();
    expect(await page.getByText('Saving the rule failed').count()).toBe(0);
    expect(c.pageErrors().filter((e) => !e.includes('status of 400'))).toEqual([]);
  }, 30_000);
});
