// The web console on a phone: in a table's cell a word stays whole (an attempt's error, a pattern's
// "webhook:github"); the column takes the longest word's width and the table scrolls in its box, as the rest of the
// console does, instead of the word being cut letter by letter into a column a few characters wide.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeadEndRule, type TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';
import { waitForAction } from '../helpers/outbound.js';

const base = '/api/orgs/default/eventhook';

/** The words (four letters or more) of `selector`'s elements that the page shows cut over two lines or more. */
const cutWords = (page: Page, selector: string) =>
  page.evaluate(`[...document.querySelectorAll(${JSON.stringify(selector)})].flatMap((el) => {
    const cut = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode())
      for (const m of node.textContent.matchAll(/\\S{4,}/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) cut.push(m[0]);
      }
    return cut;
  })`);

describe.skipIf(!browserAvailable())('web console: words in a phone’s tables', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;
  let eventId = '';

  beforeAll(async () => {
    c = await startConsole();
    ({ t, page } = c);
    await createDeadEndRule(t.api, {
      name: 'settle payments when they are done, or note why they could not be',
    });
    const made = await t.api.post(`${base}/rules`, {
      name: 'github',
      pattern: { source: ['webhook:github'], type: ['push'] },
      targets: [{ type: 'task', kind: 'on-push' }],
    });
    expect(made.status, made.text).toBe(201);
    const published = await t.api.post(`${base}/events`, { type: 'payment.done', data: {} });
    expect(published.status, published.text).toBe(200);
    eventId = published.body.eventId;
    await waitForAction(t, eventId, (a) => a.status === 'dead');
    await c.signIn();
    await page.setViewportSize({ width: 390, height: 844 });
  }, 60_000);
  afterAll(async () => c?.close());

  it('an action’s attempts keep their words whole', async () => {
    await c.open(`/events/${eventId}`);
    await page.locator('main td li').first().waitFor();
    expect(await cutWords(page, 'main td li')).toEqual([]);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBe(390);
  });

  it('a rule’s pattern and targets keep their words whole', async () => {
    await c.open('/rules');
    await page.locator('main td pre').first().waitFor();
    expect(await cutWords(page, 'main td pre')).toEqual([]);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBe(390);
    expect(c.pageErrors()).toEqual([]);
  });
});
