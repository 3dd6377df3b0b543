// Hands Kysely the pool's connections, dropping each one whose answer the client stopped waiting for.
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/** pg's error when a query's query_timeout passes. */
const QUERY_READ_TIMEOUT = 'Query read timeout';

/**
 * pg rejects a query whose answer does not come within query_timeout, but keeps the connection, the query still in
 * flight on it: every later query on it would wait behind that one, and the pool would keep handing it out. So such a
 * connection fails whatever else is asked of it (a transaction's rollback fails at once, not after another timeout)
 * and is destroyed when released; the pool connects anew.
 */
export function dropTimedOutConnections(pool: pg.Pool, timeoutMs: number): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      let dead: Error | undefined;
      const query = async (text: string, params: readonly unknown[]) => {
        if (dead) throw dead;
        try {
          return await client.query(text, params as unknown[]);
        } catch (err) {
          if ((err as Error).message !== QUERY_READ_TIMEOUT) throw err;
          dead = new Error(
            `PostgreSQL did not answer within ${timeoutMs} ms (the server or the network stalled); the connection is dropped`,
            { cause: err },
          );
          throw dead;
        }
      };
      // Only the query form Kysely uses without a cursor class in its dialect (this adapter gives it none).
      return {
        query,
        release: (destroy?: boolean) => client.release(destroy === true || dead !== undefined),
      } as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}
