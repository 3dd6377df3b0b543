// Flushes SQLite's write-ahead log to disk off the event loop. The connection runs with synchronous=NORMAL, so a
// commit only writes its frames to the WAL; callers then await flush(), an fsync of the WAL file on libuv's thread
// pool. Once it resolves, every frame written before the call is on stable storage — exactly what synchronous=FULL
// would have guaranteed at commit — but the event loop kept serving requests during the fsync instead of blocking.
import { open, type FileHandle } from 'node:fs/promises';
import { SharedRun } from '../../../core/shared-run.js';

export class WalFlush {
  private handle: Promise<FileHandle> | null = null;
  /** Concurrent callers share fsyncs; each waits for one that started after its call (so after its writes). */
  private readonly fsyncs = new SharedRun(() => this.fsync());

  constructor(private readonly walPath: string) {}

  /** Resolves once every WAL write made before this call is durable. */
  flush(): Promise<void> {
    return this.fsyncs.run();
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await (await handle?.catch(() => null))?.close();
  }

  private async fsync(): Promise<void> {
    this.handle ??= open(this.walPath, 'r');
    try {
      await (await this.handle).sync();
    } catch (err) {
      // The WAL may have been replaced (e.g. removed on a last close and recreated): reopen once and retry.
      this.handle = null;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.handle = open(this.walPath, 'r');
      await (await this.handle).sync();
    }
  }
}
