// Creating the embedded database's folder (and the master key's, beside it).
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p`, one level at a time, each folder made readable by its owner only (0700): under the usual umask (0022)
 * SQLite makes the database, its WAL and its -shm world-readable; a folder that exists keeps its mode. Node 20's
 * `mkdirSync(path, { recursive: true })` spins at full CPU for ever when mkdir answers ENOENT although the parent
 * exists (any path under /proc): a data folder there hung the server silently instead of failing with the reason.
 */
export function makeFolder(path: string): void {
  const missing: string[] = [];
  for (let p = resolve(path); !existsSync(p); p = dirname(p)) {
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      // Made meanwhile by another process starting at the same time: fine, if it is a folder.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(dir).isDirectory()) throw err;
    }
  }
}
