// A file system of a few MiB of its own (tmpfs), to fill up: what the store does when its disk is full. Mounting
// needs root (CAP_SYS_ADMIN); without it the suites using it are skipped, unless EVENTHOOK_REQUIRE_SERVICES=1.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REQUIRE_SERVICES } from './services.js';

export interface SmallDisk {
  dir: string;
  /** Writes a file until the file system has no page left. */
  fill(): void;
  /** Removes that file. */
  makeRoom(): void;
  unmount(): void;
}

export function mountSmallDisk(mib: number): SmallDisk | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'eh-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const message = `a tmpfs cannot be mounted here (${String((err as Error).message).trim()})`;
    if (REQUIRE_SERVICES) throw new Error(`${message}; EVENTHOOK_REQUIRE_SERVICES=1 forbids skipping`);
    console.warn(`SKIP: ${message} — the full-disk suites are skipped (they need root).`);
    return undefined;
  }
  const filler = join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      try {
        // Large writes first, then ever smaller ones, until not even a byte fits.
        for (let size = 1 << 16; size >= 1; size >>= 4) {
          const chunk = Buffer.alloc(size, 1);
          try {
            for (;;) writeSync(fd, chunk);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    makeRoom() {
      unlinkSync(filler);
    },
    unmount() {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
