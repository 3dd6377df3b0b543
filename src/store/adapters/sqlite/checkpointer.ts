// Checkpoints off the commit path. SQLite checkpoints inside the commit that takes the log past its threshold:
// that commit copied up to thousands of pages into the database file first, 20 to 60 ms under ingest load, while
// every request in its batch (or, on the main thread, every request) waited. A thread of its own instead copies
// what was committed every few milliseconds, PASSIVE (never waiting for the writers, nor they for it). The writers
// keep their own threshold as a backstop: should this thread fall behind, the log is still bounded, and a writer's
// checkpoint then copies only what this thread has not.
import type { Worker } from 'node:worker_threads';
import { startThread } from './thread.js';

export interface CheckpointerSetup {
  path: string;
  intervalMs: number;
}

export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<unknown>;

  constructor(setup: CheckpointerSetup) {
    this.worker = startThread('checkpointer-thread', setup);
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
    // A thread that failed to start leaves checkpoints to the writers, as SQLite does by default.
    this.worker.on('error', () => {});
    this.worker.unref();
  }

  async close(): Promise<void> {
    this.worker.ref(); // else nothing would keep the process alive until the thread has closed its connection
    this.worker.postMessage('close');
    await this.exited;
  }
}
