// An event's page says how its webhook was verified: a source whose verifier is none takes any request, signed or
// not, so its events are said not to be verified rather than "verified by the source's verifier".
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';
import { createSource, ingestUrlOf } from '../helpers/ingest.js';

describe.skipIf(!browserAvailable())('web console: an event from a source that verifies nothing', () => {
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

  it('is said not to be verified', async () => {
    const res = await fetch(ingestUrlOf(t, 'open-hook'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'order.created', forged: true }),
    });
    expect(res.status).toBe(200);
    const { eventId } = (await res.json()) as { eventId: string };
    await c.open(`/events/${eventId}`);
    await page.getByText('Raw body').waitFor();
    const main = await page.textContent('main');
    expect(main).toContain('not verified: source open-hook has no verifier, so it takes any request');
    expect(main).not.toContain('verified by the source’s verifier');
    expect(c.pageErrors()).toEqual([]);
  });
});
