// A consistent copy of a live SQLite database (`eventhook backup`). `VACUUM INTO` reads the database in one read
// transaction, so the copy is the state of one moment while the server goes on committing (WAL readers do not
// block writers), and it is compacted. SQLite's online backup API would restart its copy whenever the server
// writes, which a busy server does all the time. Copying the file itself would miss what is still in the log.
import { closeSync, existsSync, fsyncSync, openSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';

export interface BackupResult {
  bytes: number;
  ms: number;
}

/** Copies the database at `path` to `destination`, which must not exist; checks the copy before it answers. */
export function backupSqlite(path: string, destination: string): BackupResult {
  if (!existsSync(path)) throw new Error(`there is no database at ${path}`);
  if (existsSync(destination)) throw new Error(`${destination} exists already; give a new file`);
  const started = performance.now();
  // Made empty first, readable by its owner only (VACUUM INTO fills an empty file): the copy holds what the data
  // folder (0700) keeps from other users, every webhook body and the sealed secrets, wherever backups are kept.
  closeSync(openSync(destination, 'wx', 0o600));
  const source = new Database(path, { readonly: true, fileMustExist: true });
  try {
    // The server holds the write lock only while it commits; a reader never waits for it in WAL mode, but the
    // first read may meet a checkpoint's brief lock.
    source.pragma('busy_timeout = 5000');
    source.prepare('vacuum into ?').run(destination);
  } catch (err) {
    rmSync(destination, { force: true });
    throw err;
  } finally {
    source.close();
  }
  const copy = new Database(destination, { fileMustExist: true });
  try {
    const [check] = copy.pragma('quick_check') as { quick_check: string }[];
    if (check?.quick_check !== 'ok') throw new Error(`the copy failed its check: ${check?.quick_check}`);
  } catch (err) {
    copy.close();
    rmSync(destination, { force: true });
    throw err;
  }
  copy.close();
  // VACUUM INTO does not sync what it wrote: a backup is done once it is on the disk.
  const fd = openSync(destination, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { bytes: statSync(destination).size, ms: Math.round(performance.now() - started) };
}
