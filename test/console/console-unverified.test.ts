// An event's page says how its webhook was verified: a source whose verifier is none takes any request, signed or
// not, so its events are said not to be verified rather than "verified by the source's verifier". What is said is
// how the event was received, kept with it: a verifier given to the source later does not make it verified, nor does
// taking the verifier away make verified events unverified.
import { createHmac } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';
import { BASE, createSource, deliver, ingestUrlOf } from '../helpers/ingest.js';

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
    expect(main).toContain(
      'not verified: source open-hook had no verifier when it arrived, so it took any request',
    );
    expect(main).not.toContain('verified by the source’s');
    expect(c.pageErrors()).toEqual([]);
  });

  it('keeps what each event was when the source’s verifier changes after it', async () => {
    const secret = 'later-secret';
    const first = await deliver(t, 'open-hook', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'order.created', n: 1 }),
    });
    expect(first.status).toBe(200);
    const hmac = { type: 'hmac', header: 'x-sig', algorithm: 'sha256', encoding: 'hex', secret };
    expect((await t.api.patch(`${BASE}/sources/open-hook`, { verifier: hmac })).status).toBe(200);
    const body = JSON.stringify({ type: 'order.created', n: 2 });
    const second = await deliver(t, 'open-hook', {
      headers: {
        'content-type': 'application/json',
        'x-sig': createHmac('sha256', secret).update(body).digest('hex'),
      },
      body,
    });
    expect(second.status).toBe(200);

    const shown = async (id: string) => {
      await c.open(`/events/${id}`);
      await page.getByText('Raw body').waitFor();
      return page.locator('dt:text-is("verification") + dd').textContent();
    };
    expect(await shown(first.json.eventId)).toBe(
      'not verified: source open-hook had no verifier when it arrived, so it took any request',
    );
    expect(await shown(second.json.eventId)).toBe('verified by the source’s hmac verifier');
    const apiKey = { type: 'api_key', name: 'x-key', key: 'later-key' };
    expect((await t.api.patch(`${BASE}/sources/open-hook`, { verifier: apiKey })).status).toBe(200);
    expect(await shown(second.json.eventId)).toBe('verified by the source’s hmac verifier');
    expect(c.pageErrors()).toEqual([]);
  });
});
