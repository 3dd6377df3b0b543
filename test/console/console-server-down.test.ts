// The console when the server does not answer (down, or the network to it): what the user tried says that the server
// did not answer, not the browser's bare "Failed to fetch". The browser is made to find no server for the API's
// requests, as it finds none once the server is stopped; the console's own files are already loaded.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';

const UNREACHABLE = 'The server did not answer: it is down or cannot be reached. Try again once it is back.';

describe.skipIf(!browserAvailable())('web console: the server does not answer', () => {
  let c: ConsoleHarness;
  let page: Page;

  beforeAll(async () => {
    c = await startConsole();
    ({ page } = c);
    await c.signIn();
  }, 60_000);
  afterAll(async () => c?.close());

  it('says so for an action tried and for a page opened', async () => {
    await page.route('**/api/**', (route) => route.abort('connectionrefused'));
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText(`Filtering failed: ${UNREACHABLE}`).waitFor();

    await page.evaluate('location.hash = "#/sources"');
    await page.getByText(`Could not load this page: ${UNREACHABLE}`).waitFor();
    expect(await page.getByText('Failed to fetch').count()).toBe(0);
    expect(c.pageErrors().filter((e) => !e.includes('net::ERR_CONNECTION_REFUSED'))).toEqual([]);
  });
});
