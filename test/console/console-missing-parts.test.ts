// The web console where a part of a page has nothing to show: the whole audit log (no one resource's history), a
// source without setup hints or secrets (a custom one that verifies nothing), a pattern that matches no event. The
// part is left out; the page never shows the word "null" in its place.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';
import { createSource } from '../helpers/ingest.js';

/** The text nodes of the page's main part that read "null". */
const nulls = (page: Page) =>
  page.evaluate(`[...document.querySelectorAll('main, main *')]
    .flatMap((el) => [...el.childNodes])
    .filter((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim() === 'null').length`);

describe.skipIf(!browserAvailable())('web console: parts with nothing to show', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;

  beforeAll(async () => {
    c = await startConsole();
    ({ t, page } = c);
    await createSource(t, { slug: 'open-hook', verifier: { type: 'none' } });
    await c.signIn();
  }, 60_000);
  afterAll(async () => c?.close());

  it('the whole audit log has no line for one resource’s history', async () => {
    await c.open('/audit-log');
    await page.getByRole('cell', { name: 'open-hook' }).waitFor();
    expect(await page.locator('.history-of').count()).toBe(0);
    expect(await nulls(page)).toBe(0);
  });

  it('a source with no setup hints and no secret shows neither', async () => {
    await c.open('/sources');
    await page.getByRole('cell', { name: 'open-hook', exact: true }).click();
    await page.getByRole('heading', { name: 'open-hook' }).waitFor();
    await page.getByText('Try it with curl').waitFor();
    expect(await nulls(page)).toBe(0);
  });

  it('a pattern that matches no event says so, with no sample', async () => {
    await c.open('/rules');
    const form = page.locator('form', { hasText: 'Save rule' });
    await form.locator('textarea[name=pattern]').fill('{"type": ["nothing-is-of-this-type"]}');
    await form.getByRole('button', { name: 'Test against recent events' }).click();
    await page.getByText(/^0 of the last \d+ events \(7 days\) match\.$/).waitFor();
    expect(await nulls(page)).toBe(0);
    expect(c.pageErrors()).toEqual([]);
  });
});
