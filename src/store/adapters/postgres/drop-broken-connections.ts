// Hands Kysely the pool's connections: a query past its time limit fails as EH_STORE_TIMEOUT, a connection that cannot
// be made or is lost as EH_STORE_UNAVAILABLE (both 503, Retry-After), and a connection in either state is dropped.
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import { refuseNulText } from '../../nul-text.js';
import { storeTimeout, storeUnavailable } from '../../store-outage.js';

/** pg's error when a query's query_timeout passes. */
const QUERY_READ_TIMEOUT = 'Query read timeout';

/** pg-pool's error when connectionTimeoutMillis passes before a connection is made. */
const CONNECT_TIMEOUT =
  /^timeout exceeded when trying to connect|^Connection terminated due to connection timeout/;

/** SQLSTATE query_canceled: the server's statement_timeout, or an administrator's pg_cancel_backend. */
const QUERY_CANCELED = '57014';

export interface QueryTimeouts {
  /** The statement_timeout this process set (0: the server's own setting, unknown here). */
  statementTimeoutMs: number;
  /** How long the client waits for an answer (0: for ever; the connection is then never dropped here). */
  answerTimeoutMs: number;
  /** How long the pool waits for a new connection (0: for ever). */
  connectTimeoutMs: number;
}

/**
 * A statement the server cancelled, one whose answer never came, a connection that could not be made or broke under
 * a statement: the database is too slow or out of reach for now, not a bug. The caller gets EH_STORE_TIMEOUT or
 * EH_STORE_UNAVAILABLE, which say to come back later, and the log gets the statement and the driver's own error.
 *
 * pg rejects a query whose answer does not come within query_timeout, but keeps the connection, the query still in
 * flight on it: every later query on it would wait behind that one, and the pool would keep handing it out. So such a
 * connection, like a lost one, fails whatever else is asked of it (a transaction's rollback fails at once, not after
 * another timeout, with the same error as the statement) and is destroyed when released; the pool connects anew.
 */
export function dropBrokenConnections(pool: pg.Pool, timeouts: QueryTimeouts): PostgresPool {
  return {
    async connect() {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw storeUnavailable(connectFailure(err, timeouts.connectTimeoutMs), err);
      }
      let dead: Error | undefined;
      const query = async (text: string, params: readonly unknown[]) => {
        if (dead) throw dead;
        // The server would refuse it (invalid byte sequence), a 500 for what is the caller's text: said as a 400.
        refuseNulText(params);
        try {
          return await client.query(text, params as unknown[]);
        } catch (err) {
          if ((err as { code?: unknown }).code === QUERY_CANCELED) {
            throw storeTimeout(cancelledReason(timeouts.statementTimeoutMs), text, err);
          }
          const lost = lostConnection(err);
          if (lost !== undefined) {
            dead = storeUnavailable(lost, err, text);
            throw dead;
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

/** Socket errors: the server or the network is gone, whatever the statement was. */
const NETWORK_ERRORS = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Why the connection a statement ran on is gone, or undefined when the error is the statement's own (a constraint, a
 * syntax error: the caller's to handle). By SQLSTATE where the server said why, else by pg's own wording, which has
 * no code: the socket closed under the query, or an earlier error left the client unusable.
 */
function lostConnection(err: unknown): string | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    // admin_shutdown (pg_terminate_backend, a fast shutdown), crash_shutdown; class 08: connection_exception.
    if (code === '57P01' || code === '57P02' || code.startsWith('08'))
      return 'PostgreSQL ended the connection';
    if (code === '57P03') return 'PostgreSQL is starting up or shutting down';
    if (NETWORK_ERRORS.has(code)) return 'the network connection to PostgreSQL failed';
  }
  const message = (err as Error | undefined)?.message ?? '';
  if (message.startsWith('Connection terminated') || message.endsWith('is not queryable'))
    return 'the connection to PostgreSQL was lost';
  return undefined;
}

/**
 * Why no connection could be made. Every failure to connect counts as the database being out of reach, a wrong
 * password or a dropped database included: the request cannot be served until an operator or the server acts, and
 * /readyz says so too; the driver's error, in the log, tells which.
 */
function connectFailure(err: unknown, connectTimeoutMs: number): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ECONNREFUSED') return 'PostgreSQL refused the connection';
  if (code === '53300') return 'PostgreSQL has no connection slot free';
  if (CONNECT_TIMEOUT.test((err as Error | undefined)?.message ?? ''))
    return `no connection was free or could be made within ${connectTimeoutMs} ms`;
  return lostConnection(err) ?? 'PostgreSQL did not accept the connection';
}
