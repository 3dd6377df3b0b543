// The SQLite adapter's threads: ingest batches commit on a writer thread (batches waiting for it share a commit,
// yet each keeps its own outcome), the main connection waits for a lock held elsewhere without blocking the event
// loop, both give up past the busy wait with EH_STORE_TIMEOUT, and a checkpointer thread copies committed pages into
// the database file with no commit crossing the checkpoint threshold.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceId } from '../../src/core/ids.js';
import type { JsonValue } from '../../src/core/envelope.js';
import { newSystemEvent } from '../../src/events/publisher.js';
import { openSqliteStore } from '../../src/store/adapters/sqlite/index.js';
import type { IngestItem, Store } from '../../src/store/port.js';

const SOURCE = 'src_threads' as SourceId;
const WEEK = 7 * 86_400_000;

function item(key?: string, data: JsonValue = { n: 1 }): IngestItem {
  const event = newSystemEvent({ org: 'default', source: 'github', type: 'push', data, now: Date.now() });
  return {
    event: { ...event, sourceId: SOURCE, rawBody: Buffer.from(JSON.stringify(data)) },
    ...(key ? { dedup: { sourceId: SOURCE, key, windowMs: WEEK } } : {}),
  };
}

describe('SQLite threads', () => {
  let dir: string;
  let store: Store | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'eventhook-threads-'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits batches sent together once each, a key repeated across them being a duplicate of its first use', async () => {
    store = await openSqliteStore({ path: join(dir, 'e.db') });
    const first = [item('k-1'), item('k-2')];
    const second = [item('k-2'), item('k-3'), item()];
    const third = [item('k-1')];
    const now = Date.now();
    // Sent in one turn: the writer thread receives all three while it is still starting, so they share a commit.
    const [a, b, c] = await Promise.all([
      store.commitIngest(first, now),
      store.commitIngest(second, now),
      store.commitIngest(third, now),
    ]);
    expect(a).toEqual([
      { eventId: first[0]!.event.id, duplicate: false },
      { eventId: first[1]!.event.id, duplicate: false },
    ]);
    expect(b).toEqual([
      { eventId: first[1]!.event.id, duplicate: true },
      { eventId: second[1]!.event.id, duplicate: false },
      { eventId: second[2]!.event.id, duplicate: false },
    ]);
    expect(c).toEqual([{ eventId: first[0]!.event.id, duplicate: true }]);
    // Stored exactly once each, raw bytes included; a later batch with a known key is a duplicate too.
    for (const id of [first[0], first[1], second[1], second[2]].map((i) => i!.event.id)) {
      expect((await store.events.getRaw('default', id))?.body?.toString()).toBe('{"n":1}');
    }
    expect(await store.events.get('default', second[0]!.event.id)).toBeUndefined();
    expect(await store.commitIngest([item('k-3')], Date.now())).toEqual([
      { eventId: second[1]!.event.id, duplicate: true },
    ]);
  });

  it('fails only the batch that cannot be written when batches share a commit', async () => {
    store = await openSqliteStore({ path: join(dir, 'e.db') });
    const stored = item('k-stored');
    await store.commitIngest([stored], Date.now());
    // The same event id again breaks the primary key: that batch fails, the ones committed with it do not.
    const clash = { ...item('k-clash'), event: { ...item().event, id: stored.event.id } };
    const good = [item('k-good'), item()];
    const [bad, ok] = await Promise.allSettled([
      store.commitIngest([clash], Date.now()),
      store.commitIngest(good, Date.now()),
    ]);
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    expect(ok).toEqual({
      status: 'fulfilled',
      value: good.map((g) => ({ eventId: g.event.id, duplicate: false })),
    });
    // The failed batch left nothing behind: its key is still free.
    const retry = item('k-clash');
    expect(await store.commitIngest([retry], Date.now())).toEqual([
      { eventId: retry.event.id, duplicate: false },
    ]);
  });

  it('commits what was sent to the writer thread before the store closed', async () => {
    const path = join(dir, 'e.db');
    const closing = await openSqliteStore({ path });
    const batch = [item('k-last')];
    const committed = closing.commitIngest(batch, Date.now());
    await closing.close();
    expect(await committed).toEqual([{ eventId: batch[0]!.event.id, duplicate: false }]);
    const reader = new Database(path, { readonly: true });
    expect(reader.prepare('select id from events').all()).toEqual([{ id: batch[0]!.event.id }]);
    reader.close();
  });

  it('waits for a write lock held elsewhere without blocking the event loop', async () => {
    const path = join(dir, 'e.db');
    store = await openSqliteStore({ path });
    const other = new Database(path);
    other.exec('begin immediate');
    const writing = store.transaction((tx) => tx.events.insert(item().event));
    // With SQLite's own busy handler the thread would sleep until the lock is free; timers fire meanwhile instead.
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const timerLag = performance.now() - started - 20;
    let done = false;
    void writing.then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(done).toBe(false);
    other.exec('commit');
    other.close();
    await writing;
    // SQLite's busy handler would hold the thread until its 5 s timeout, the other connection's commit never running.
    expect(timerLag).toBeLessThan(1000);
  });

  it('goes on reading while a write waits for a lock held elsewhere', async () => {
    const path = join(dir, 'e.db');
    store = await openSqliteStore({ path });
    const stored = item().event;
    await store.transaction((tx) => tx.events.insert(stored));
    const other = new Database(path);
    other.exec('begin immediate');
    try {
      // Both wait for the lock: a transaction and a single statement.
      let written = 0;
      const writes = [
        store.transaction((tx) => tx.events.insert(item().event)),
        store.events.insert(item().event),
      ].map((w) => w.then(() => written++));
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Reads queued behind them are answered meanwhile (WAL readers need no lock), and see what was committed.
      const started = performance.now();
      expect((await store.events.get('default', stored.id))?.id).toBe(stored.id);
      expect((await store.events.list('default', {}, { limit: 10 })).items).toHaveLength(1);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(written).toBe(0);
      other.exec('commit');
      await Promise.all(writes);
      expect(written).toBe(2);
    } finally {
      if (other.inTransaction) other.exec('rollback');
      other.close();
    }
  });

  it('fails a write whose lock stays held elsewhere past the busy wait as EH_STORE_TIMEOUT, all of a shared commit at once', async () => {
    const path = join(dir, 'e.db');
    store = await openSqliteStore({ path });
    const open = store;
    const other = new Database(path);
    other.exec('begin immediate');
    const started = performance.now();
    try {
      // The main connection (a single statement, a transaction) and the writer thread (three batches sent in one
      // turn, which share its commit).
      const failures = await Promise.all(
        [
          open.events.insert(item().event),
          open.transaction((tx) => tx.events.insert(item().event)),
          open.commitIngest([item('busy-1')], Date.now()),
          open.commitIngest([item('busy-2'), item()], Date.now()),
          open.commitIngest([item('busy-3')], Date.now()),
        ].map((w) =>
          w.then(
            () => undefined,
            (err: unknown) => err,
          ),
        ),
      );
      for (const err of failures) {
        expect(err).toMatchObject({
          code: 'EH_STORE_TIMEOUT',
          status: 503,
          headers: { 'retry-after': '5' },
          message: expect.stringContaining(
            'the SQLite database stayed locked by another connection for over 5000 ms',
          ),
        });
        // The driver's own error is kept for the log, never shown to the caller.
        expect((err as Error).message).not.toContain('database is locked');
        expect((err as { cause?: { code?: string } }).cause?.code).toBe('SQLITE_BUSY');
      }
    } finally {
      other.exec('rollback');
      other.close();
    }
    // One busy wait, not one more per batch: the thread gives up on all the batches of the commit together.
    expect(performance.now() - started).toBeLessThan(9_000);
    // Nothing was written, and the same writes succeed once the lock is free.
    const reader = new Database(path, { readonly: true });
    expect(reader.prepare('select count(*) as n from events').get()).toEqual({ n: 0 });
    reader.close();
    await store.events.insert(item().event);
    expect(await store.commitIngest([item('busy-1')], Date.now())).toMatchObject([{ duplicate: false }]);
  }, 20_000);

  it('copies committed pages into the database file while no commit reaches the checkpoint threshold', async () => {
    const path = join(dir, 'e.db');
    // A threshold no commit here reaches: without the checkpointer thread every page would stay in the log.
    store = await openSqliteStore({ path, walAutocheckpoint: 1_000_000 });
    const before = statSync(path).size;
    const pad = 'x'.repeat(2000);
    for (let i = 0; i < 20; i++) {
      await store.commitIngest(
        Array.from({ length: 25 }, (_, j) => item(`key-${i}-${j}`, { pad })),
        Date.now(),
      );
    }
    const deadline = Date.now() + 5000;
    while (statSync(path).size < before + 500 * 2000 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(statSync(path).size).toBeGreaterThan(before + 500 * 2000);
    const reader = new Database(path, { readonly: true });
    expect(reader.prepare('select count(*) as n from events').get()).toEqual({ n: 500 });
    reader.close();
  });
});
