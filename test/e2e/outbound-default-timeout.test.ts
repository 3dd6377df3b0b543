// An endpoint created without timeoutMs follows the deployment's EVENTHOOK_DELIVERY_TIMEOUT as it is when it
// delivers, not as it was when the endpoint was created: a restart with another value applies to it at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, startTestApp, type TestApp } from '../helpers/app.js';
import {
  BASE,
  createEndpoint,
  createRule,
  getAction,
  ingestSource,
  sleep,
  startReceiver,
  waitForAction,
  type Receiver,
} from '../helpers/outbound.js';
import { freshPostgresSchema } from '../helpers/services.js';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`the deployment's delivery timeout — ${backend}`, () => {
    let receiver: Receiver;
    let dataDir: string;
    let schema: Awaited<ReturnType<typeof freshPostgresSchema>> | undefined;
    let t: TestApp | undefined;

    /** Eventhook on the same store each time, with this EVENTHOOK_DELIVERY_TIMEOUT. */
    const start = (timeout: string) =>
      startTestApp(backend, {
        dataDir,
        ...(schema ? { databaseUrl: schema.url } : {}),
        env: { EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1', EVENTHOOK_DELIVERY_TIMEOUT: timeout },
      });

    beforeAll(async () => {
      // Answers after 1 s: too slow for a 300 ms timeout, in time for a 5 s one.
      receiver = await startReceiver((_req, res) => void sleep(1000).then(() => res.writeHead(200).end()));
      dataDir = mkdtempSync(join(tmpdir(), 'eventhook-default-timeout-'));
      if (backend === 'postgres') schema = await freshPostgresSchema();
    });
    afterAll(async () => {
      await t?.close();
      await receiver?.close();
      await schema?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('reads the default when it delivers, shows it as the default, and keeps a timeoutMs that was given', async () => {
      t = await start('300ms');
      const created = await createEndpoint(t, {
        slug: 'slowpoke',
        url: `${receiver.url}/slow`,
        retry: { schedule: ['1h'], maxAttempts: 1 },
      });
      expect(created).toMatchObject({ timeoutMs: 300, timeoutDefault: true });
      await createEndpoint(t, { slug: 'fixed', url: `${receiver.url}/fixed`, timeoutMs: 400 });
      await createRule(t, 'slow', 'slow.test', [{ endpoint: 'slowpoke' }]);
      const send = await ingestSource(t);
      const first = await waitForAction(t, await send({ type: 'slow.test' }), (a) => a.status === 'dead');
      expect((await getAction(t, first.id)).attempts[0].error).toMatch(/no complete answer within 300 ms/);
      await t.close();

      t = await start('5s');
      expect((await t.api.get(`${BASE}/endpoints/slowpoke`)).body).toMatchObject({
        timeoutMs: 5000,
        timeoutDefault: true,
      });
      expect((await t.api.get(`${BASE}/endpoints/fixed`)).body).toMatchObject({
        timeoutMs: 400,
        timeoutDefault: false,
      });
      const send2 = await ingestSource(t, 'again');
      await createRule(t, 'slow-again', 'slow.again', [{ endpoint: 'slowpoke' }]);
      await waitForAction(t, await send2({ type: 'slow.again' }), (a) => a.status === 'succeeded', 15_000);

      // Set, it holds whatever the default; null gives the endpoint back to the default.
      const set = await t.api.patch(`${BASE}/endpoints/slowpoke`, { timeoutMs: 2000 });
      expect(set.body, set.text).toMatchObject({ timeoutMs: 2000, timeoutDefault: false });
      const unset = await t.api.patch(`${BASE}/endpoints/slowpoke`, { timeoutMs: null });
      expect(unset.body, unset.text).toMatchObject({ timeoutMs: 5000, timeoutDefault: true });
    });
  });
}
