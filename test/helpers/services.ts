// Finds the real services (PostgreSQL, NATS) tests may use. Without them a suite skips with a clear reason,
// unless EVENTHOOK_REQUIRE_SERVICES=1 (CI), where a missing service fails the run instead.
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import pg from 'pg';

export const POSTGRES_URL =
  process.env.EVENTHOOK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REQUIRE_SERVICES = process.env.EVENTHOOK_REQUIRE_SERVICES === '1';
/** How long the tests' PostgreSQL stores wait to take a connection (a deployment sets EVENTHOOK_PG_CONNECT_TIMEOUT). */
export const PG_CONNECT_TIMEOUT_MS = 5_000;

let pgProbe: Promise<boolean> | undefined;

/** True when PostgreSQL answers at POSTGRES_URL. Throws instead of returning false when services are required. */
export function postgresAvailable(): Promise<boolean> {
  pgProbe ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch (err) {
      return unavailable('PostgreSQL', POSTGRES_URL, err);
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgProbe;
}

export function tcpAvailable(name: string, host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: 2000 });
    const done = (ok: boolean, err?: unknown) => {
      socket.destroy();
      if (ok) resolve(true);
      else unavailable(name, `${host}:${port}`, err).then(resolve, reject);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false, new Error('timeout')));
    socket.once('error', (err) => done(false, err));
  });
}

async function unavailable(name: string, where: string, err: unknown): Promise<boolean> {
  const message = `${name} is not reachable at ${where} (${(err as Error)?.message ?? err})`;
  if (REQUIRE_SERVICES) throw new Error(`${message}; EVENTHOOK_REQUIRE_SERVICES=1 forbids skipping`);
  console.warn(
    `SKIP: ${message} — its suites are skipped. Set EVENTHOOK_REQUIRE_SERVICES=1 to make this an error.`,
  );
  return false;
}

/**
 * A fresh, empty PostgreSQL schema for one test file, so files running in parallel never see each other's rows.
 * Returns a connection URL whose search_path is that schema, and a drop function.
 */
export async function freshPostgresSchema(): Promise<{
  url: string;
  schema: string;
  drop: () => Promise<void>;
}> {
  const schema = `eh_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

/**
 * The environment of the processes of one test's deployment on the NATS bus (a subject prefix of its own): a sweep of a
 * minute, so only the bus can explain anything that happens within seconds, and loopback open for deliveries.
 */
export function natsBusEnv(): Record<string, string> {
  return {
    EVENTHOOK_BUS: 'nats',
    EVENTHOOK_NATS_URL: 'nats://127.0.0.1:4222',
    EVENTHOOK_NATS_PREFIX: `eh-test-${randomUUID().slice(0, 8)}`,
    EVENTHOOK_SWEEP_INTERVAL: '60s',
    EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1',
  };
}
