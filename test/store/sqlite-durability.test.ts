// The SQLite adapter's durability contract: a write is reported done only after the WAL holding it was flushed
// to disk (fsync counted on the WAL file), relaxed transactions skip the flush, and concurrent writers share one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WalFlush } from '../../src/store/adapters/sqlite/wal-flush.js';
import { openSqliteStore } from '../../src/store/adapters/sqlite/index.js';

describe('SQLite durability', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'eventhook-durable-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('shares one fsync among flushes that wait for the same round', async () => {
    const path = join(dir, 'x.db');
    const store = await openSqliteStore({ path });
    const flush = new WalFlush(`${path}-wal`);
    let fsyncs = 0;
    const fsync = (flush as unknown as { fsync: () => Promise<void> }).fsync.bind(flush);
    (flush as unknown as { fsync: () => Promise<void> }).fsync = async () => {
      fsyncs++;
      await fsync();
    };
    await Promise.all(Array.from({ length: 50 }, () => flush.flush()));
    // The first call starts a round; the other 49 arrive while it runs and share the one queued behind it.
    expect(fsyncs).toBe(2);
    await flush.close();
    await store.close();
  });

  it('flushes after a commit and after a single write, but not for relaxed transactions or reads', async () => {
    const path = join(dir, 'y.db');
    const store = await openSqliteStore({ path });
    const { FileHandle } = await import('node:fs/promises').then(async (fs) => ({
      FileHandle: Object.getPrototypeOf(await fs.open(path, 'r')),
    }));
    let syncs = 0;
    const original = FileHandle.sync;
    FileHandle.sync = async function (this: unknown) {
      syncs++;
      return original.call(this);
    };
    try {
      await store.orgs.create({ slug: 'a', name: 'A' }, 1);
      expect(syncs).toBe(1);
      await store.transaction(async (tx) => {
        await tx.orgs.create({ slug: 'b', name: 'B' }, 1);
        await tx.orgs.create({ slug: 'c', name: 'C' }, 1);
      });
      expect(syncs).toBe(2);
      await store.relaxed((tx) => tx.orgs.create({ slug: 'd', name: 'D' }, 1));
      await store.orgs.list();
      expect(syncs).toBe(2);
      expect((await store.orgs.list()).map((o) => o.slug)).toEqual(['a', 'b', 'c', 'd']);
    } finally {
      FileHandle.sync = original;
      await store.close();
    }
  });
});
