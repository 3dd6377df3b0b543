// The data folder holds the embedded database (events, hashed keys, sealed secrets, endpoints' custom headers) and
// the generated master key: Eventhook makes it readable by its own user only, whatever the umask (0022 leaves a new
// database file readable by every local user), and leaves a folder that already exists as the operator made it.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';

describe('the data folder', () => {
  const root = mkdtempSync(join(tmpdir(), 'eventhook-data-mode-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const mode = (path: string) => statSync(path).mode & 0o777;

  it('is made readable by its owner only, the folders above it that it makes too', async () => {
    const dataDir = join(root, 'new', 'data');
    const t = await startTestApp('sqlite', { dataDir });
    try {
      expect(mode(join(root, 'new')).toString(8)).toBe('700');
      expect(mode(dataDir).toString(8)).toBe('700');
    } finally {
      await t.close();
    }
  });

  it('keeps the mode of a folder that exists', async () => {
    const dataDir = join(root, 'shared');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o750);
    const t = await startTestApp('sqlite', { dataDir });
    try {
      expect(mode(dataDir).toString(8)).toBe('750');
    } finally {
      await t.close();
    }
  });
});
