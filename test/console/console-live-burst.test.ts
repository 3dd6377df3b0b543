// The live event log under a burst: hundreds of events a few seconds apart each drew the whole list again, so the
// page fell minutes behind a busy org (1,500 events took 2.5 minutes to show); those arriving together are now drawn
// together. Counted here as the times the list is drawn while a burst of events arrives. Left open on a busy org, the
// list kept every event that came; it keeps the newest LIVE_CAP now, and says that older ones were let go.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';

const base = '/api/orgs/default/eventhook';
const BURST = 300;
/** What the live list keeps (console/views/events.js). */
const LIVE_CAP = 500;

describe.skipIf(!browserAvailable())('web console: the live log under a burst of events', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;

  beforeAll(async () => {
    c = await startConsole();
    ({ t, page } = c);
    await c.signIn();
  }, 60_000);
  afterAll(async () => c?.close());

  it('shows every event of the burst, drawing the list far fewer times than events came', async () => {
    await page.getByText('live', { exact: true }).waitFor();
    await page.evaluate(`(() => {
      window.drawn = 0;
      new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) if (n.nodeName === 'DIV' && n.querySelector?.('table')) window.drawn++;
      }).observe(document.querySelector('main'), { childList: true, subtree: true });
    })()`);
    let next = 0;
    const publish = async () => {
      while (next < BURST) {
        const i = next++;
        const res = await t.api.post(`${base}/events`, { type: 'burst.happened', data: { i } });
        expect(res.status, res.text).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: 8 }, publish));
    await expect
      .poll(() => page.locator('main tbody tr', { hasText: 'burst.happened' }).count(), { timeout: 60_000 })
      .toBe(BURST);
    const drawn = (await page.evaluate('window.drawn')) as number;
    expect(drawn).toBeGreaterThan(0);
    expect(drawn).toBeLessThan(BURST / 3);
    expect(c.pageErrors()).toEqual([]);
  }, 90_000);

  it('keeps only the newest events of a flood larger than it keeps, and says where the older ones are', async () => {
    const FLOOD = LIVE_CAP + 100;
    await page.evaluate(`(() => {
      window.mostRows = 0;
      new MutationObserver(() => {
        window.mostRows = Math.max(window.mostRows, document.querySelectorAll('main tbody tr').length);
      }).observe(document.querySelector('main'), { childList: true, subtree: true });
    })()`);
    // In batches of 100 one after another, so that the last one published is the newest.
    for (let from = 0; from < FLOOD; from += 100) {
      const batch = Array.from({ length: 100 }, (_, k) => ({
        type: 'flood.happened',
        subject: `flood-${from + k}`,
        data: { i: from + k },
      }));
      const res = await t.api.post(`${base}/events`, batch);
      expect(res.status, res.text).toBe(200);
    }
    const newest = page.getByRole('cell', { name: `flood-${FLOOD - 1}`, exact: true });
    await newest.waitFor({ timeout: 60_000 });
    const rows = page.locator('main tbody tr');
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBe(LIVE_CAP);
    // Every event has been read back once the list is full and the newest is in: no more rows are coming.
    await page.waitForTimeout(1000);
    expect(await rows.count()).toBe(LIVE_CAP);
    expect(await page.evaluate('window.mostRows')).toBeLessThanOrEqual(LIVE_CAP);
    expect(await newest.count()).toBe(1);
    expect(await page.getByRole('cell', { name: 'flood-0', exact: true }).count()).toBe(0);
    const note = page.getByRole('status').filter({ hasText: `newest ${LIVE_CAP}` });
    expect(await note.textContent()).toContain(
      'earlier ones were let go as new ones came. They are still stored',
    );
    // Reading from the newest again pages back through them all, the note gone until the list is full again.
    await note.getByRole('button', { name: 'Show the newest' }).click();
    await expect.poll(() => rows.count()).toBe(50);
    expect(await note.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Older events' }).click();
    await expect.poll(() => rows.count()).toBe(100);
    expect(c.pageErrors()).toEqual([]);
  }, 120_000);
});
