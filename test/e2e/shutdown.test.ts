// Closing the app while a timed chore (the engine's lease sweep) is still running: close waits for the chore before
// closing the store, so the chore neither fails on a closed database nor is cut off.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { capturedLogger } from '../helpers/logs.js';

describe('shutdown', () => {
  let t: TestApp | undefined;
  afterEach(async () => t?.close());

  it('waits for a lease sweep in flight before closing the store', async () => {
    const log = capturedLogger('warn');
    t = await startTestApp('sqlite', {
      env: { EVENTHOOK_SWEEP_INTERVAL: '20ms', EVENTHOOK_ROLE: 'api' },
      logger: log.logger,
    });
    // Another connection holds the write lock, so the next sweep waits for it: it is in flight when close begins,
    // and with the API role alone (no routing or delivery loops to stop first) close reaches the store at once.
    const other = new Database(join(t.dataDir, 'eventhook.db'));
    other.exec('begin immediate');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = t.app.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    other.exec('commit');
    other.close();
    await closing;
    expect(log.text()).not.toMatch(/lease sweep failed/);
  });
});
