// The migrations this version ships, read from the files in src/store/migrations rather than from the registry the
// code under test uses: a migration file left out of index.ts fails the tests that expect it applied.
import { readdirSync } from 'node:fs';

const DIR = new URL('../../src/store/migrations/', import.meta.url);

/** Every migration's name (its file name without `.ts`), in the order they apply. */
export const MIGRATIONS: readonly string[] = readdirSync(DIR)
  .filter((f) => /^\d{3}-[a-z0-9-]+\.ts$/.test(f))
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();

if (MIGRATIONS.length < 2)
  throw new Error(`expected migrations in ${DIR.pathname}, found ${MIGRATIONS.length}`);

/** The newest migration, and the one before it (a database an older release left). */
export const LATEST = MIGRATIONS.at(-1)!;
export const BEFORE_LATEST = MIGRATIONS.at(-2)!;
