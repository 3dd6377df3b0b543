// The dead-letter queue longer than one page (the API gives 200 at a time): the page says there are more and loads
// the older ones on request, as the event log does, so that every dead letter can be found and retried by itself.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeadEndRule, eventually, type TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';

const base = '/api/orgs/default/eventhook';
const DEAD = 205;

describe.skipIf(!browserAvailable())('web console: a long dead-letter queue', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;
  let oldest = '';

  beforeAll(async () => {
    c = await startConsole();
    ({ t, page } = c);
    await createDeadEndRule(t.api);
    for (let i = 0; i < DEAD; i++) {
      const published = await t.api.post(`${base}/events`, { type: 'payment.done', data: { ref: `r-${i}` } });
      expect(published.status, published.text).toBe(200);
      if (i === 0) oldest = published.body.eventId;
    }
    await eventually(
      async () => {
        const r = await t.api.post(`${base}/actions/retry`, { filter: { status: 'dead' }, dryRun: true });
        return r.body.count === DEAD || undefined;
      },
      60_000,
      `${DEAD} dead actions`,
    );
    await c.signIn();
  }, 120_000);
  afterAll(async () => c?.close());

  it('loads the older dead letters past the first 200', async () => {
    await c.open('/dead-letters');
    await page.getByText('200+ dead').waitFor();
    expect(await page.getByRole('link', { name: oldest }).count()).toBe(0);
    await page.getByRole('button', { name: 'Older dead letters' }).click();
    await page.getByText(`${DEAD} dead`, { exact: true }).waitFor();
    await page.getByRole('link', { name: oldest }).waitFor();
    expect(await page.locator('main tbody tr').count()).toBe(DEAD);
    expect(await page.getByRole('button', { name: 'Older dead letters' }).isVisible()).toBe(false);
    expect(c.pageErrors()).toEqual([]);
  }, 30_000);
});
