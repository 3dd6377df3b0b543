// The web console behind a reverse proxy that serves Eventhook under a path (https://host/eventhook/ → the server's
// /), as operators put it beside other services on one host: its page, its scripts, its API calls and its live log all
// go through the path, and the commands it shows name the URL it was opened at.
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';
import { createSource } from '../helpers/ingest.js';

const PREFIX = '/eventhook';
const SECRET = 'prefix-github-secret';

/** A proxy that forwards PREFIX/… to the server's /… and answers 404 to (and notes) every other path. */
async function startPrefixProxy(): Promise<{
  url: string;
  target: (url: string) => void;
  strays: string[];
  close: () => Promise<void>;
}> {
  let upstream = '';
  const strays: string[] = [];
  const server: Server = createServer((req, res) => {
    if (!req.url!.startsWith(`${PREFIX}/`)) {
      strays.push(`${req.method} ${req.url}`);
      res.writeHead(404).end();
      return;
    }
    const to = new URL(req.url!.slice(PREFIX.length), upstream);
    const forward = request(to, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    target: (url) => void (upstream = url),
    strays,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(!browserAvailable())('web console under a path', () => {
  let c: ConsoleHarness;
  let proxy: Awaited<ReturnType<typeof startPrefixProxy>>;

  beforeAll(async () => {
    proxy = await startPrefixProxy();
    c = await startConsole({ env: { EVENTHOOK_PUBLIC_URL: `${proxy.url}${PREFIX}` } });
    proxy.target(c.t.url);
    await createSource(c.t, { slug: 'github', provider: 'github', secret: SECRET });
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    await proxy?.close();
  });

  it('signs in, follows the live log and shows a source’s commands, every request under the path', async () => {
    const { page } = c;
    await page.goto(`${proxy.url}${PREFIX}/`);
    await page.fill('input[name=token]', OPERATOR_TOKEN);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    await page.getByText('live', { exact: true }).waitFor();

    // A webhook sent to the URL the source shows arrives in the live log, which reads the stream through the path.
    const source = (await c.t.api.get('/api/orgs/default/eventhook/sources/github')).body;
    expect(source.ingestUrl).toBe(`${proxy.url}${PREFIX}/api/orgs/default/eventhook/in/github`);
    const body = JSON.stringify({ ref: 'refs/heads/prefixed', repository: { full_name: 'octo/prefixed' } });
    const sent = await fetch(source.ingestUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
      },
      body,
    });
    expect(sent.status).toBe(200);
    await page.locator('tr.link', { hasText: 'octo/prefixed' }).first().waitFor({ timeout: 10_000 });

    await page.goto(`${proxy.url}${PREFIX}/#/sources`);
    await page.getByRole('cell', { name: 'github', exact: true }).first().click();
    const send = page.locator('pre.try-send');
    await send.waitFor();
    expect(await send.textContent()).toContain(`--url ${proxy.url}${PREFIX} \\`);

    expect(proxy.strays).toEqual([]);
    expect(c.pageErrors()).toEqual([]);
  });
});
