// Hands Kysely the pool's connections: a query past its time limit fails as EH_STORE_TIMEOUT (503, Retry-After), and
// a connection whose answer the client stopped waiting for is dropped.
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import { storeTimeout } from '../../store-timeout.js';

/** pg's error when a query's query_timeout passes. */
const QUERY_READ_TIMEOUT = 'Query read timeout';

/** SQLSTATE query_canceled: the server's statement_timeout, or an administrator's pg_cancel_backend. */
const QUERY_CANCELED = '57014';

export interface QueryTimeouts {
  /** The statement_timeout this process set (0: the server's own setting, unknown here). */
  statementTimeoutMs: number;
  /** How long the client waits for an answer (0: for ever; the connection is then never dropped here). */
  answerTimeoutMs: number;
}

/**
 * A statement the server cancelled, or one whose answer never came, is the database being too slow for now, not a
 * bug: the caller gets EH_STORE_TIMEOUT, which says to come back later, and the log gets the statement that ran long.
 *
 * pg rejects a query whose answer does not come within query_timeout, but keeps the connection, the query still in
 * flight on it: every later query on it would wait behind that one, and the pool would keep handing it out. So such a
 * connection fails whatever else is asked of it (a transaction's rollback fails at once, not after another timeout)
 * and is destroyed when released; the pool connects anew.
 */
export function dropTimedOutConnections(pool: pg.Pool, timeouts: QueryTimeouts): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      let dead: Error | undefined;
      const query = async (text: string, params: readonly unknown[]) => {
        if (dead) throw dead;
        try {
          return await client.query(text, params as unknown[]);
        } catch (err) {
          if ((err as { code?: unknown }).code === QUERY_CANCELED) {
            throw storeTimeout(cancelledReason(timeouts.statementTimeoutMs), text, err);
          }
          if ((err as Error).message !== QUERY_READ_TIMEOUT || timeouts.answerTimeoutMs <= 0) throw err;
          const stalled = new Error(
            `PostgreSQL did not answer within ${timeouts.answerTimeoutMs} ms (the server or the network stalled); the connection is dropped`,
            { cause: err },
          );
          dead = storeTimeout(`no answer came within ${timeouts.answerTimeoutMs} ms`, text, stalled);
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

function cancelledReason(statementTimeoutMs: number): string {
  // The SQLSTATE is the same for an administrator's cancel; only the server's localised message tells them apart,
  // and it is not parsed: either way the statement did not finish and trying again is right.
  return statementTimeoutMs > 0
    ? `PostgreSQL cancelled it (statement timeout ${statementTimeoutMs} ms)`
    : 'PostgreSQL cancelled it (its statement_timeout)';
}
