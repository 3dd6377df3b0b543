// The interactive API docs at /docs (Swagger UI), served by every API process on the console's origin: a page where
// people paste an API key, so it may not be framed by another site (clickjacking) nor have its files sniffed, and it
// must still work in a real browser under the policy that says so.
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { browserAvailable } from '../helpers/console.js';

describe('the API docs page (/docs)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  it('may not be framed by another site, and its files are never sniffed', async () => {
    for (const path of ['/docs', '/docs/', '/docs/static/index.html', '/docs/static/swagger-ui.css']) {
      const res = await fetch(`${t.url}${path}`, { redirect: 'manual' });
      expect(res.status, path).toBeLessThan(400);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toMatch(/(^|;)\s*frame-ancestors 'none'\s*(;|$)/);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      await res.arrayBuffer();
    }
  });

  it.runIf(browserAvailable())('still shows the API in a browser under that policy', async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(`${t.url}/docs/`);
      await page.locator('.swagger-ui .info .title').filter({ hasText: 'Eventhook' }).waitFor();
      await page.locator('.opblock-summary-path', { hasText: '/api/orgs/{org}/me' }).first().waitFor();
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
