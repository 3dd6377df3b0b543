// The checkpointer thread (see checkpointer.ts): copies the log's committed pages into the database file every
// few milliseconds on a connection of its own, alongside the writers.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CheckpointerSetup } from './checkpointer.js';

const { path, intervalMs } = workerData as CheckpointerSetup;
const db = new Database(path);
// PASSIVE never waits for a lock (no busy handler runs); `synchronous` FULL syncs the copied pages as it goes.
db.pragma('synchronous = FULL');
db.pragma('wal_autocheckpoint = 0');

const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // A pass that meets a lock or an error leaves the pages to the next one, or to a writer's own checkpoint.
  }
}, intervalMs);

parentPort!.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
