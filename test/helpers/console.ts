// Fixtures for the web console's browser tests: Debian's Chromium driven by playwright-core against a real server
// (allowed to deliver to a receiver on loopback), the page's errors collected, and a few page moves.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { OPERATOR_TOKEN, startTestApp, type TestApp } from './app.js';
import { startReceiver, type Receiver } from './outbound.js';
import { REQUIRE_SERVICES } from './services.js';

const CHROMIUM = '/usr/bin/chromium';

/** True when the browser is installed; else says so once (or fails, when services are required). */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `${CHROMIUM} is missing (Debian package chromium)`;
  if (REQUIRE_SERVICES) throw new Error(`${message}; EVENTHOOK_REQUIRE_SERVICES=1 forbids skipping`);
  console.warn(`SKIP: ${message} — the console's browser tests are skipped.`);
  return false;
}

export interface ConsoleHarness {
  t: TestApp;
  receiver: Receiver;
  browser: Browser;
  page: Page;
  /** Uncaught errors and console errors the page met so far. */
  pageErrors(): string[];
  /** Shows a page of the console afresh: a hash alone does not render again the page already shown. */
  open(hash: string): Promise<void>;
  /** Signs in through the sign-in form with the operator token, into org `default`. */
  signIn(): Promise<void>;
  /**
   * Signs out of any session, then submits `key` through the sign-in form (org `default`); does not wait for a
   * page, as a key without the console's roles sees none.
   */
  signInWith(key: string): Promise<void>;
  /**
   * Clicks `button` (the page's one Delete button by default), cancels the confirmation, checks that `apiPath`
   * still answers, then clicks again and accepts; resolves the question asked.
   */
  deleteAfterAsking(apiPath: string, button?: Locator): Promise<string>;
  close(): Promise<void>;
}

export async function startConsole(opts: { env?: Record<string, string> } = {}): Promise<ConsoleHarness> {
  const receiver = await startReceiver();
  const t = await startTestApp('sqlite', { env: { EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1', ...opts.env } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const open = async (hash: string) => {
    await page.goto(`${t.url}/#${hash}`);
    await page.reload();
    // The page renders after its API calls answer: what a test reads before that is the "Loading…" placeholder, and
    // an element it expects absent is absent only because nothing is there yet.
    await page.locator('#view [aria-busy="true"]').waitFor({ state: 'detached' });
  };
  return {
    t,
    receiver,
    browser,
    page,
    pageErrors: () => errors,
    open,
    signIn: async () => {
      await page.goto(`${t.url}/`);
      await page.fill('input[name=token]', OPERATOR_TOKEN);
      await page.click('button[type=submit]');
      await page.getByRole('heading', { name: 'Events' }).waitFor();
    },
    signInWith: async (key) => {
      await page.goto(`${t.url}/`);
      const signOut = page.getByRole('link', { name: 'sign out' });
      if (await signOut.count()) await signOut.click();
      await page.fill('input[name=token]', key);
      await page.click('button[type=submit]');
    },
    deleteAfterAsking: async (apiPath, button = page.getByRole('button', { name: 'Delete' })) => {
      const questions: string[] = [];
      page.once('dialog', (d) => {
        questions.push(d.message());
        void d.dismiss();
      });
      await button.click();
      await expect.poll(() => questions.length).toBe(1);
      expect((await t.api.get(apiPath)).status).toBe(200);
      page.once('dialog', (d) => void d.accept());
      await button.click();
      return questions[0]!;
    },
    close: async () => {
      await browser.close();
      await t.close();
      await receiver.close();
    },
  };
}
