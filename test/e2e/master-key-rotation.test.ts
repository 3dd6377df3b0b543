// Rotating the master key, as an operator does it: every process restarted with the new key and the old one as
// EVENTHOOK_MASTER_KEY_PREVIOUS (secrets keep verifying and signing), `eventhook rekey` (the CLI, as a child process)
// seals them again, and then the new key alone runs the deployment while the old one no longer starts a process.
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/core/index.js';
import { runCli } from '../cli/helpers.js';
import {
  eventually,
  startTestApp,
  type Backend,
  type TestApp,
  backendAvailable,
  BACKENDS,
} from '../helpers/app.js';
import { deliver, githubPushHeaders } from '../helpers/ingest.js';
import { capturedLogger } from '../helpers/logs.js';
import { startReceiver, type Receiver } from '../helpers/outbound.js';

const base = '/api/orgs/default/eventhook';
const GH_SECRET = 'rotation-github-secret';
/** Rotated to while the keys change; GH_SECRET, in its grace period, still verifies the pushes of this test. */
const GH_SECRET_2 = 'rotation-github-secret-2';
const ENDPOINT_SECRET = `whsec_${Buffer.from('rotation-endpoint-secret-32bytes!').toString('base64')}`;
const BEARER = 'rotation-bearer-token';
const SECRET_HEADER = 'rotation-secret-header-value';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`master key rotation — ${backend}`, { timeout: 120_000 }, () => {
    const oldKey = SecretBox.generateKey();
    const newKey = SecretBox.generateKey();
    let receiver: Receiver;
    let first: TestApp;
    let n = 0;

    const start = (env: Record<string, string>, logger?: ReturnType<typeof capturedLogger>['logger']) =>
      startTestApp(backend as Backend, {
        dataDir: first.dataDir,
        ...(backend === 'postgres' ? { databaseUrl: first.app.config.databaseUrl } : {}),
        env: { EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1', ...env },
        ...(logger ? { logger } : {}),
      });
    const rekeyEnv = (env: Record<string, string>) => ({
      EVENTHOOK_DATA_DIR: first.dataDir,
      EVENTHOOK_DATABASE_URL: first.app.config.databaseUrl,
      ...env,
    });
    const rekey = (env: Record<string, string>) => runCli(['rekey'], rekeyEnv(env));

    /** A signed push is accepted, and delivered with the endpoint's auth and a signature its secret verifies. */
    async function pushIsVerifiedAndDelivered(t: TestApp): Promise<void> {
      const body = JSON.stringify({ ref: `refs/heads/rotation-${++n}` });
      const res = await deliver(t, 'gh', {
        headers: await githubPushHeaders(GH_SECRET, body, `rot-${n}`),
        body,
      });
      expect(res.status, res.text).toBe(200);
      const arrived = await eventually(
        async () => receiver.requests.find((r) => r.body.toString().includes(`rotation-${n}`)),
        15_000,
        'the delivery',
      );
      expect(arrived.headers.authorization).toBe(`Bearer ${BEARER}`);
      expect(arrived.headers['x-custom-key']).toBe(SECRET_HEADER);
      expect(() =>
        new StandardWebhook(ENDPOINT_SECRET).verify(arrived.body.toString(), arrived.headers),
      ).not.toThrow();
    }

    beforeAll(async () => {
      receiver = await startReceiver();
      first = await startTestApp(backend, {
        env: { EVENTHOOK_MASTER_KEY: oldKey, EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1' },
      });
      const api = first.api;
      expect(
        (await api.post(`${base}/sources`, { slug: 'gh', provider: 'github', secret: GH_SECRET })).status,
      ).toBe(201);
      const ep = await api.post(`${base}/endpoints`, {
        slug: 'crm',
        url: `${receiver.url}/hooks`,
        secrets: [ENDPOINT_SECRET],
        auth: { type: 'bearer', token: BEARER },
        secretHeaders: { 'x-custom-key': SECRET_HEADER },
      });
      expect(ep.status, ep.text).toBe(201);
      const rule = await api.post(`${base}/rules`, {
        name: 'pushes',
        pattern: { type: ['push'] },
        targets: [{ type: 'webhook', endpoint: 'crm' }],
      });
      expect(rule.status, rule.text).toBe(201);
      await pushIsVerifiedAndDelivered(first);
      await first.app.close();
    });
    afterAll(async () => {
      await first?.close().catch(() => undefined);
      await receiver?.close();
    });

    it('runs on the new key with the old one as previous, rekeys, then runs on the new key alone', async () => {
      // The new key alone opens nothing yet: refused, as any other key.
      await expect(start({ EVENTHOOK_MASTER_KEY: newKey })).rejects.toThrow(/the master key does not open/);

      const log = capturedLogger('warn');
      const during = await start(
        { EVENTHOOK_MASTER_KEY: newKey, EVENTHOOK_MASTER_KEY_PREVIOUS: oldKey },
        log.logger,
      );
      try {
        expect(log.logged('sealed with a previous master key')).toBe(true);
        await pushIsVerifiedAndDelivered(during);
        // A secret set now is sealed with the new key, and is left as it is by rekey.
        expect(
          (await during.api.post(`${base}/sources/gh/rotate-secret`, { secret: GH_SECRET_2 })).status,
        ).toBe(200);

        const version = (await during.api.get(`${base}/endpoints/crm`)).headers.get('etag');
        // A dry run counts and changes nothing.
        const dry = await runCli(
          ['rekey', '--dry-run'],
          rekeyEnv({ EVENTHOOK_MASTER_KEY: newKey, EVENTHOOK_MASTER_KEY_PREVIOUS: oldKey }),
        );
        expect(dry.code, dry.stderr).toBe(0);
        expect(dry.stdout).toContain('Would seal 4 secrets of 1 source and 1 endpoint');
        expect(dry.stdout).toContain('(1 already are); changed nothing.');
        // Rekey while the deployment runs, as the procedure says.
        const r = await rekey({ EVENTHOOK_MASTER_KEY: newKey, EVENTHOOK_MASTER_KEY_PREVIOUS: oldKey });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain('Sealed 4 secrets of 1 source and 1 endpoint');
        expect(r.stdout).toContain('(1 already were)');
        expect(r.stdout).toContain('remove EVENTHOOK_MASTER_KEY_PREVIOUS from every process');
        const again = await rekey({ EVENTHOOK_MASTER_KEY: newKey, EVENTHOOK_MASTER_KEY_PREVIOUS: oldKey });
        expect(again.code, again.stderr).toBe(0);
        expect(again.stdout).toContain('was already sealed with the current master key (5)');
        // The records' versions did not move: a page opened before the rekey still saves.
        expect((await during.api.get(`${base}/endpoints/crm`)).headers.get('etag')).toBe(version);
        const edit = await during.api.request(
          'PATCH',
          `${base}/endpoints/crm`,
          { description: 'CRM' },
          {
            'if-match': version!,
          },
        );
        expect(edit.status, edit.text).toBe(200);
        await pushIsVerifiedAndDelivered(during);
      } finally {
        await during.app.close();
      }

      const after = await start({ EVENTHOOK_MASTER_KEY: newKey });
      try {
        await pushIsVerifiedAndDelivered(after);
      } finally {
        await after.app.close();
      }
      await expect(start({ EVENTHOOK_MASTER_KEY: oldKey })).rejects.toThrow(/the master key does not open/);
    });

    it('rekey refuses a key that opens nothing, and changes nothing', async () => {
      const stray = SecretBox.generateKey();
      const r = await rekey({ EVENTHOOK_MASTER_KEY: stray, EVENTHOOK_MASTER_KEY_PREVIOUS: oldKey });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('the master key does not open the key check value');
      const still = await start({ EVENTHOOK_MASTER_KEY: newKey });
      await still.app.close();
    });
  });
}
