// A source's "Try it" for a source that checks tokens against a key set (Google Pub/Sub push). On Google's own key
// set nothing but Google can sign, and the page says so and how to try it instead; on a key set of the user's own the
// page shows the `eventhook send` command, which — run as shown, with a private key of that set — is taken.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv } from '../cli/helpers.js';
import { OPERATOR_TOKEN } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';
import { createSource } from '../helpers/ingest.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EVENTS = '/api/orgs/default/eventhook/events';
const OPTIONS = {
  audience: 'https://hooks.example.com/push',
  serviceAccountEmail: 'push@p.iam.gserviceaccount.com',
};

describe.skipIf(!browserAvailable())('web console: trying a source that checks a key set', () => {
  let c: ConsoleHarness;
  let keySet: Server;
  let dir: string;

  beforeAll(async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    dir = mkdtempSync(join(tmpdir(), 'eventhook-try-key-set-'));
    writeFileSync(join(dir, 'private-key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const jwk = { ...publicKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig' };
    keySet = createServer((_req, res) =>
      res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((resolve) => keySet.listen(0, '127.0.0.1', resolve));
    c = await startConsole();
    await createSource(c.t, { slug: 'pubsub', provider: 'google-pubsub', options: OPTIONS });
    await createSource(c.t, {
      slug: 'pubsub-own',
      provider: 'google-pubsub',
      options: {
        ...OPTIONS,
        jwksUrl: `http://127.0.0.1:${(keySet.address() as AddressInfo).port}/jwks.json`,
      },
    });
    await c.signIn();
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    keySet?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('on Google’s key set says it cannot be tried from here and how to try it', async () => {
    await c.open('/sources');
    await c.page.getByRole('cell', { name: 'pubsub', exact: true }).click();
    const tryIt = c.page.locator('.try-it');
    await expect.poll(() => tryIt.textContent()).toContain('Try it: not from here');
    expect(await tryIt.textContent()).toContain('https://www.googleapis.com/oauth2/v3/certs');
    expect(await tryIt.textContent()).toContain('set its options.jwksUrl to a key set of your own');
    expect(await c.page.locator('pre.try-send').count()).toBe(0);
  });

  it('on a key set of the user’s own shows the send command, which is taken when run with a key of that set', async () => {
    await c.open('/sources');
    await c.page.getByRole('cell', { name: 'pubsub-own', exact: true }).click();
    const send = c.page.locator('pre.try-send');
    await send.waitFor();
    const command = (await send.textContent())!;
    expect(command).toBe(
      `npx eventhook send google-pubsub --source pubsub-own \\\n  --url ${c.t.url} \\\n  --key '<API key>' --secret "$(cat private-key.pem)"`,
    );
    expect(await c.page.locator('.try-it').textContent()).toContain(
      'private-key.pem: the private key (PEM) of one of the keys of the key set at http://127.0.0.1:',
    );
    const before = (await c.t.api.get(EVENTS)).body.items.length;
    // As a user pastes it into a shell in the Eventhook folder, the key file beside them (offline: npx never fetches).
    const run = await promisify(execFile)(
      'bash',
      [
        '-c',
        command.replace('<API key>', OPERATOR_TOKEN).replace('private-key.pem', join(dir, 'private-key.pem')),
      ],
      { cwd: ROOT, env: { ...childEnv(), npm_config_offline: 'true' }, timeout: 60_000 },
    );
    expect(run.stdout).toMatch(/^status:\s+200\n/);
    expect((await c.t.api.get(EVENTS)).body.items.length).toBe(before + 1);
  });
});
