// Processes of one deployment must share the master key. A second process given another key used to start, say it
// was ready, and then answer every signed webhook 401 (the source's secret did not open); now it refuses to start,
// saying why, and one with the same key starts and verifies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/core/index.js';
import { backendAvailable, BACKENDS, startTestApp, type TestApp } from '../helpers/app.js';
import { deliver, githubPushHeaders } from '../helpers/ingest.js';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`master key shared by processes — ${backend}`, () => {
    const key = SecretBox.generateKey();
    let first: TestApp;
    beforeAll(async () => {
      first = await startTestApp(backend, { env: { EVENTHOOK_MASTER_KEY: key } });
      const created = await first.api.post('/api/orgs/default/eventhook/sources', {
        slug: 'gh',
        provider: 'github',
        secret: 'the-secret',
      });
      expect(created.status, created.text).toBe(201);
    });
    afterAll(async () => first?.close());

    const sameStore = (masterKey: string) =>
      startTestApp(backend, {
        dataDir: first.dataDir,
        ...(backend === 'postgres' ? { databaseUrl: first.app.config.databaseUrl } : {}),
        env: { EVENTHOOK_MASTER_KEY: masterKey, EVENTHOOK_ROLE: 'api' },
      });

    it('a process with another key refuses to start; one with the same key verifies webhooks', async () => {
      await expect(sameStore(SecretBox.generateKey())).rejects.toThrow(
        /the master key does not open the key check value in this store: every process of a deployment must use the same EVENTHOOK_MASTER_KEY/,
      );
      const second = await sameStore(key);
      try {
        const body = JSON.stringify({ ref: 'refs/heads/main' });
        const res = await deliver(second, 'gh', {
          headers: await githubPushHeaders('the-secret', body, 'key-check-1'),
          body,
        });
        expect(res.status, res.text).toBe(200);
      } finally {
        await second.close();
      }
    });
  });
}
