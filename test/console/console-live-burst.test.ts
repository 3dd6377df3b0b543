// The live event log under a burst: hundreds of events a few seconds apart each drew the whole list again, so the
// page fell minutes behind a busy org (1,500 events took 2.5 minutes to show); those arriving together are now drawn
// together. Counted here as the times the list is drawn while a burst of events arrives.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';

const base = '/api/orgs/default/eventhook';
const BURST = 300;

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
});
