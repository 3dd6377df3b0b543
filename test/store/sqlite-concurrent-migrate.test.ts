// Several processes starting on one new SQLite file at the same moment (a worker and an API process, say): every one
// of them opens the store; migrations run once, in one transaction, while the others wait for it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/adapters/sqlite/index.js';

const ADAPTER = fileURLToPath(new URL('../../src/store/adapters/sqlite/index.ts', import.meta.url));

function openInChild(script: string, dbPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, dbPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve(out.trim()));
  });
}

describe('SQLite migrations from several processes at once', () => {
  it('every process opens the store; the schema is migrated once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eventhook-migrate-'));
    const script = join(dir, 'open.mts');
    writeFileSync(
      script,
      `import { openSqliteStore } from ${JSON.stringify(ADAPTER)};\n` +
        `try { const s = await openSqliteStore({ path: process.argv[2] }); await s.close(); console.log('ok'); }\n` +
        `catch (e) { console.log('failed: ' + (e instanceof Error ? e.message : String(e))); }\n`,
    );
    try {
      for (let round = 0; round < 3; round++) {
        const db = join(dir, `round-${round}.db`);
        const outcomes = await Promise.all([1, 2, 3].map(() => openInChild(script, db)));
        expect(outcomes).toEqual(['ok', 'ok', 'ok']);
        const store = await openSqliteStore({ path: db });
        expect(await store.orgs.list()).toEqual([]);
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('opening waits while another connection holds the new file (switching to WAL does not wait by itself)', async () => {
    // SQLite runs no busy handler for PRAGMA journal_mode: it failed at once with "database is locked" (seen in CI).
    const dir = mkdtempSync(join(tmpdir(), 'eventhook-migrate-'));
    const path = join(dir, 'held.db');
    const holder = new Database(path);
    try {
      holder.exec('create table t (x)');
      holder.exec('begin immediate');
      holder.exec('insert into t values (1)');
      const opening = openSqliteStore({ path });
      await new Promise((r) => setTimeout(r, 200));
      holder.exec('commit');
      const store = await opening;
      expect(await store.orgs.list()).toEqual([]);
      await store.close();
    } finally {
      holder.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
