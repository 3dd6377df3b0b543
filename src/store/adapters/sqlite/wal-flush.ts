// Flushes SQLite's write-ahead log to disk off the event loop. The connection runs with synchronous=NORMAL, so a
// commit only writes its frames to the WAL; callers then await flush(), an fsync of the WAL file on libuv's thread
// pool. Once it resolves, every frame written before the call is on stable storage — exactly what synchronous=FULL
// would have guaranteed at commit — but the event loop kept serving requests during the fsync instead of blocking.
import { open, type FileHandle } from 'node:fs/promises';

export class WalFlush {
  private handle: Promise<FileHandle> | null = null;
  /** The flush under way; it may have started before a caller's write, so a caller arriving now needs the next. */
  private current: Promise<void> | null = null;
  /** The flush queued behind `current`, not started yet: it covers every write made before it starts. */
  private next: Promise<void> | null = null;

  constructor(private readonly walPath: string) {}

  /** Resolves once every WAL write made before this call is durable. Concurrent callers share fsyncs. */
  flush(): Promise<void> {
    if (this.next) return this.next;
    if (!this.current) return this.start();
    const next: Promise<void> = this.current.then(
      () => this.startQueued(next),
      () => this.startQueued(next),
    );
    this.next = next;
    return next;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await (await handle?.catch(() => null))?.close();
  }

  private startQueued(self: Promise<void>): Promise<void> {
    if (this.next === self) this.next = null;
    return this.start();
  }

  private start(): Promise<void> {
    const run = this.fsync().finally(() => {
      if (this.current === run) this.current = null;
    });
    this.current = run;
    return run;
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
