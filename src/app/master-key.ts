// The master key that seals secrets at rest, when none is configured: generated once and kept beside the database.
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SecretBox } from '../core/secret-box.js';
import { makeFolder } from '../store/adapters/sqlite/make-folder.js';

/** Where the generated master key is kept: beside the embedded database. */
export function masterKeyPath(dataDir: string): string {
  return join(dataDir, 'master.key');
}

/** The generated master key, or undefined when none was generated in `dataDir`. */
export function readMasterKey(dataDir: string): string | undefined {
  const path = masterKeyPath(dataDir);
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

/**
 * The master key that seals secrets at rest. When none is configured, one is generated on first start and kept
 * in `<dataDir>/master.key` (mode 0600) beside the embedded database.
 */
export function loadOrCreateMasterKey(dataDir: string, logger: Logger): string {
  const existing = readMasterKey(dataDir);
  if (existing !== undefined) return existing;
  const path = masterKeyPath(dataDir);
  makeFolder(dataDir);
  const key = SecretBox.generateKey();
  // Durable before any secret is sealed with it: written to a temporary file, flushed, renamed into place, and the
  // folder flushed, so a power cut leaves either no key file or the whole key, never an empty one.
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${key}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path); // fails if another process created the key meanwhile: never replace a key in use
  } finally {
    unlinkSync(temp);
  }
  const dir = openSync(dataDir, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  logger.warn(
    { path },
    'generated a master key for secrets at rest; back it up (or set EVENTHOOK_MASTER_KEY)',
  );
  return key;
}
