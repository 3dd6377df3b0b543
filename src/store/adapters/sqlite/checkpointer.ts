// Runs SQLite's WAL checkpoints on a worker thread with its own connection, so copying the log into the database
// file (and the fsyncs that go with it) never blocks the event loop. The main connection keeps a high automatic
// checkpoint threshold as a safety net, should this thread ever stop.
import { Worker } from 'node:worker_threads';

/** Plain JavaScript, evaluated in the worker: it must not depend on the TypeScript loader. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
db.pragma('synchronous = NORMAL');
let stopped = false;
function checkpoint() {
  if (stopped) return;
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
  setTimeout(checkpoint, workerData.intervalMs);
}
setTimeout(checkpoint, workerData.intervalMs);
parentPort.on('message', (m) => { if (m === 'stop') { stopped = true; db.close(); parentPort.postMessage('stopped'); } });
`;

export class Checkpointer {
  private readonly worker: Worker;

  constructor(
    path: string,
    driverPath: string,
    intervalMs = 250,
    onError: (message: string) => void = () => {},
  ) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, driver: driverPath, intervalMs },
    });
    this.worker.on('message', (m: { error?: string } | string) => {
      if (typeof m === 'object' && m.error) onError(m.error);
    });
    this.worker.on('error', (err) => onError(err.message));
    // Never keep the process alive on its own.
    this.worker.unref();
  }

  async stop(): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      this.worker.once('message', () => resolve());
      this.worker.once('exit', () => resolve());
    });
    this.worker.postMessage('stop');
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 2000))]);
    await this.worker.terminate();
  }
}
