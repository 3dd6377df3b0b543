// Closing the app while a timed chore (the engine's lease sweep) is still running: close waits for the chore before
// closing the store, so the chore neither fails on a closed database nor is cut off.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';

describe('shutdown', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'eventhook-shutdown-'));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('waits for a lease sweep in flight before closing the store', async () => {
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    const config = loadConfig(
      {
        PORT: '0',
        EVENTHOOK_HOST: '127.0.0.1',
        EVENTHOOK_DATA_DIR: dataDir,
        EVENTHOOK_ADMIN_TOKEN: 'eho_shutdown-test-token',
        EVENTHOOK_SWEEP_INTERVAL: '20ms',
        EVENTHOOK_ROLE: 'api',
      },
      { cwd: dataDir },
    );
    const app = await createApp(config, { logger: pino({ level: 'warn' }, sink) });
    await app.listen();
    // Another connection holds the write lock, so the next sweep waits for it: it is in flight when close begins,
    // and with the API role alone (no routing or delivery loops to stop first) close reaches the store at once.
    const other = new Database(join(dataDir, 'eventhook.db'));
    other.exec('begin immediate');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = app.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    other.exec('commit');
    other.close();
    await closing;
    expect(logs.join('')).not.toMatch(/lease sweep failed/);
  });
});
