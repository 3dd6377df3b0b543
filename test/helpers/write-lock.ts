// Another connection holding the write lock, as another process writing would: for tests proving that something
// only reads (it finishes while the lock is held) or that a writer waits.
import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * Takes the write lock on a connection of its own (SQLite: BEGIN IMMEDIATE; PostgreSQL: `tables` locked against
 * writes, reads still allowed unless `reads`, which locks them against reads as well). Returns its release.
 */
export async function holdWriteLock(
  kind: 'sqlite' | 'postgres',
  url: string,
  tables: readonly string[],
  { reads = false }: { reads?: boolean } = {},
): Promise<() => Promise<void>> {
  if (kind === 'sqlite') {
    const db = new Database(url.slice('sqlite:'.length));
    db.exec('BEGIN IMMEDIATE');
    return async () => {
      db.exec('ROLLBACK');
      db.close();
    };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('begin');
  await client.query(`lock table ${tables.join(', ')} in ${reads ? 'access exclusive' : 'exclusive'} mode`);
  return async () => {
    await client.query('rollback');
    await client.end();
  };
}
