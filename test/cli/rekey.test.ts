// `eventhook rekey` on a deployment whose master key was generated into <dataDir>/master.key (no
// EVENTHOOK_MASTER_KEY): it says which key now opens the secrets, the file, rather than a variable nobody set. And on
// a database the new version has not migrated yet (an upgrade with rekey run before migrate): it says that rekey does
// not migrate, not that EVENTHOOK_MIGRATE is off.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateTo } from '../../src/store/migrations/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BEFORE_LATEST, LATEST } from '../helpers/migrations.js';
import { runCli, tempDir } from './helpers.js';

describe('eventhook rekey with a generated master key', { timeout: 60_000 }, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    const created = await t.api.post('/api/orgs/default/eventhook/sources', {
      slug: 'gh',
      provider: 'github',
      secret: 'rekey-test-secret',
    });
    expect(created.status, created.text).toBe(201);
  });
  afterAll(async () => t?.close());

  it('names the master.key file as the key that opens the secrets', async () => {
    const r = await runCli(['rekey'], { EVENTHOOK_DATA_DIR: t.dataDir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('was already sealed with the current master key (1)');
    expect(r.stdout).toContain(`Only the master key in ${join(t.dataDir, 'master.key')} opens them.`);
    expect(r.stdout).not.toContain('EVENTHOOK_MASTER_KEY');
  });
});

describe('eventhook rekey on a database an older release left', { timeout: 60_000 }, () => {
  const env = (path: string) => ({
    EVENTHOOK_DATABASE_URL: `sqlite:${path}`,
    EVENTHOOK_MASTER_KEY: randomBytes(32).toString('base64'),
  });

  it('says it does not migrate, naming what is missing and the command, without blaming EVENTHOOK_MIGRATE', async () => {
    const path = join(tempDir().dir, 'eventhook.db');
    const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(path) }) });
    await migrateTo(kysely, { blob: 'blob' }, BEFORE_LATEST);
    await kysely.destroy();

    const r = await runCli(['rekey'], env(path));
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `eventhook: The database schema lacks 1 of the migrations this version needs (${LATEST}), and rekey ` +
        'does not migrate: run `eventhook migrate` first\n',
    });
  });

  it('says that a SQLite database that does not exist is none to rekey, creating nothing', async () => {
    const path = join(tempDir().dir, 'missing.db');
    const r = await runCli(['rekey', '--dry-run'], env(path));
    expect(r.code).toBe(1);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `eventhook: The database sqlite:${path} does not exist (rekey creates none): check ` +
        'EVENTHOOK_DATABASE_URL and EVENTHOOK_DATA_DIR\n',
    });
    expect(existsSync(path)).toBe(false);
  });
});
