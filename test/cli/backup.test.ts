// `eventhook backup`: a copy of the live SQLite database taken while webhooks keep arriving, which a new server
// started on it (with the same master key) serves: its events, and its sources' sealed secrets.
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { deliver as post, eventCount, githubPushHeaders } from '../helpers/ingest.js';
import { runCli, tempDir } from './helpers.js';

const API = '/api/orgs/default/eventhook';
const SECRET = 'backup-test-secret';

describe('eventhook backup', { timeout: 120_000 }, () => {
  let t: TestApp;
  let restored: TestApp | undefined;
  const files = tempDir();

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    const created = await t.api.post(`${API}/sources`, { slug: 'gh', provider: 'github', secret: SECRET });
    expect(created.status, created.text).toBe(201);
  });
  afterAll(async () => {
    await restored?.close();
    await t?.close();
  });

  /** A push signed with `secret` (by GitHub's own library); resolves the answer's status. */
  const deliver = async (server: TestApp, n: number, secret = SECRET) => {
    const body = JSON.stringify({ ref: `refs/heads/b${n}` });
    const headers = await githubPushHeaders(secret, body, `delivery-${server.url}-${n}`);
    return (await post(server, 'gh', { headers, body })).status;
  };

  it('copies the live database while webhooks arrive; a server started on the copy serves its events and secrets', async () => {
    for (let i = 0; i < 30; i++) expect(await deliver(t, i)).toBe(200);
    // Webhooks keep arriving while the copy is taken.
    let writing = true;
    let during = 0;
    const writer = (async () => {
      for (let i = 1000; writing; i++) if ((await deliver(t, i)) === 200) during++;
    })();
    const destination = join(files.dir, 'copy.db');
    const env = { EVENTHOOK_DATA_DIR: t.dataDir, EVENTHOOK_LOG_LEVEL: 'warn' };
    const r = await runCli(['backup', destination], env);
    writing = false;
    await writer;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Backed up \S+eventhook\.db to \S+copy\.db \(\d+\.\d MiB, \d+ ms\)\.\n/);
    expect(r.stdout).toContain(`sealed with ${join(t.dataDir, 'master.key')}`);
    expect(during).toBeGreaterThan(0);
    expect(statSync(destination).size).toBeGreaterThan(0);

    // Restore: the copy as the database of a new data folder, with the original's master key.
    const dir = join(files.dir, 'restored');
    mkdirSync(dir);
    copyFileSync(destination, join(dir, 'eventhook.db'));
    writeFileSync(join(dir, 'master.key'), readFileSync(join(t.dataDir, 'master.key')));
    restored = await startTestApp('sqlite', { dataDir: dir });
    const copied = await eventCount(restored);
    // Everything committed before the backup began, and nothing more than was committed by its end.
    expect(copied).toBeGreaterThanOrEqual(30);
    expect(copied).toBeLessThanOrEqual(30 + during);
    // The source's secret, sealed in the copy, opens with the key: the restored server verifies webhooks.
    expect(await deliver(restored, 1)).toBe(200);
    expect(await deliver(restored, 2, 'another-secret')).toBe(401);
  });

  it('makes the copy readable by its owner only, as the data folder is (it holds every webhook body)', async () => {
    const destination = join(files.dir, 'private.db');
    const r = await runCli(['backup', destination], {
      EVENTHOOK_DATA_DIR: t.dataDir,
      EVENTHOOK_LOG_LEVEL: 'warn',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(destination).mode & 0o777).toBe(0o600);
  });

  it('refuses to overwrite a file, and PostgreSQL', async () => {
    const existing = files.write('taken.db', 'keep me');
    const env = { EVENTHOOK_DATA_DIR: t.dataDir, EVENTHOOK_LOG_LEVEL: 'warn' };
    const taken = await runCli(['backup', existing], env);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toBe(`eventhook: backup failed: ${existing} exists already; give a new file\n`);
    expect(readFileSync(existing, 'utf8')).toBe('keep me');

    const missing = await runCli(['backup', join(files.dir, 'none.db')], {
      EVENTHOOK_DATA_DIR: join(files.dir, 'empty'),
      EVENTHOOK_LOG_LEVEL: 'warn',
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^eventhook: backup failed: there is no database at \S+eventhook\.db\n$/);
    expect(existsSync(join(files.dir, 'none.db'))).toBe(false);

    const pg = await runCli(['backup', join(files.dir, 'pg.db')], {
      EVENTHOOK_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    });
    expect(pg).toMatchObject({
      code: 1,
      stderr: 'eventhook: backup copies the embedded SQLite database; back up PostgreSQL with pg_dump\n',
    });
  });
});
