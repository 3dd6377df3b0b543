// A PostgreSQL connection lost in the middle of a statement, exactly there: a trigger that has the server end the
// backend running the insert (pg_terminate_backend of its own pid, as an administrator or a fail-over would), so the
// client sees the real thing (FATAL 57P01, then the socket closing) at a point a test chooses, with no timing race.
import pg from 'pg';

/** Statements on a connection of its own, search_path taken from `url`, so the trigger lands in the test's schema. */
async function run(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * From now on every insert into `table` loses its connection, committing nothing. Returns what ends that (the
 * trigger and its function dropped). `table` is a name of the schema the URL's search_path picks.
 */
export async function terminateInserts(url: string, table: string): Promise<() => Promise<void>> {
  const fn = `eh_test_terminate_${table}`;
  await run(
    url,
    `create function ${fn}() returns trigger language plpgsql as $$
     begin
       perform pg_terminate_backend(pg_backend_pid());
       -- The termination is acted on at the next interrupt check; this is one, so nothing after it runs.
       perform pg_sleep(5);
       return new;
     end $$;
     create trigger ${fn} before insert on ${table} for each row execute function ${fn}();`,
  );
  return () => run(url, `drop trigger ${fn} on ${table}; drop function ${fn}();`);
}
