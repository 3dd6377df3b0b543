// PostgreSQL going away under a running process: connections an administrator ends (or a server restart, or the
// network) must be logged and replaced, not crash the process; a database that stops answering must make /readyz
// say so within a bound, not hang it; and a statement that does not finish (a stalled line, a slow query) must fail
// within the statement timeout, leaving the pool usable.
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { eventually, OPERATOR_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, createSource, deliver } from '../helpers/ingest.js';
import { capturedLogger } from '../helpers/logs.js';
import { terminateInserts } from '../helpers/connection-killer.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { freshPostgresSchema, postgresAvailable, POSTGRES_URL } from '../helpers/services.js';

const available = await postgresAvailable();

/** Runs one statement on a connection of its own, as an administrator would. */
async function asAdmin<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    return (await admin.query<R>(sql, params)).rows;
  } finally {
    await admin.end();
  }
}

/** Ends every backend of the given application_name (only this test's app uses it). */
async function terminateBackends(applicationName: string): Promise<number> {
  const rows = await asAdmin<{ ended: boolean }>(
    'select pg_terminate_backend(pid) as ended from pg_stat_activity where application_name = $1',
    [applicationName],
  );
  return rows.filter((r) => r.ended).length;
}

/** The app's backends PostgreSQL still has. */
async function backendCount(applicationName: string): Promise<number> {
  const rows = await asAdmin<{ n: number }>(
    'select count(*)::int as n from pg_stat_activity where application_name = $1',
    [applicationName],
  );
  return rows[0]!.n;
}

/**
 * The app serves again once its database answers: the management API within `withinMs` (a request may first meet a
 * connection the pool has not yet found dead), then a webhook to source `app`, committed and readable.
 */
async function servesAgain(app: TestApp, marker: string, withinMs: number): Promise<void> {
  const list = await eventually(
    async () => {
      const res = await app.api.get(`${BASE}/sources`);
      return res.status === 200 ? res : undefined;
    },
    withinMs,
    'the management API to answer',
  );
  expect(list.body.items ?? list.body).toEqual(
    expect.arrayContaining([expect.objectContaining({ slug: 'app' })]),
  );
  const ingested = await eventually(
    async () => {
      const res = await deliver(app, 'app', {
        headers: { 'content-type': 'application/json', 'x-api-key': 'key-1' },
        body: JSON.stringify({ after: marker }),
      });
      return res.status >= 200 && res.status < 300 ? res : undefined;
    },
    5_000,
    'an ingest to be accepted',
  );
  expect((await app.api.get(`${BASE}/events/${ingested.json.eventId}`)).status).toBe(200);
}

describe.skipIf(!available)('PostgreSQL connection loss', () => {
  let t: TestApp | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await t?.close();
    t = undefined;
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps serving after its idle connections are terminated, logging the loss', async () => {
    const { url, schema, drop } = await freshPostgresSchema();
    cleanups.push(drop);
    const withName = new URL(url);
    withName.searchParams.set('application_name', schema);
    const { logger, logged } = capturedLogger('warn');
    t = await startTestApp('postgres', { databaseUrl: withName.toString(), logger });
    const app = t;
    await createSource(app, {
      slug: 'app',
      verifier: { type: 'api_key', in: 'header', name: 'x-api-key' },
      secret: 'key-1',
    });
    expect((await app.api.get(`${BASE}/sources`)).status).toBe(200);
    expect(await backendCount(schema)).toBeGreaterThan(0);

    // The pool's connections sit idle (or between queries of the sweeps); end them all from the server side.
    expect(await terminateBackends(schema)).toBeGreaterThan(0);
    // An unhandled 'error' event would kill this process (vitest reports it as an uncaught error and fails the run).
    await eventually(
      async () => logged('PostgreSQL connection was lost'),
      5_000,
      'the lost connection to be logged',
    );

    // A request right after may meet a connection the pool has not yet noticed is dead; within a few tries, it works.
    await servesAgain(app, 'reconnect', 5_000);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    // The pool connected again.
    expect(await backendCount(schema)).toBeGreaterThan(0);
  });

  it('answers /readyz with 503 within its bound when the database stops answering', async () => {
    const { url, drop } = await freshPostgresSchema();
    cleanups.push(drop);
    const { proxy, url: viaProxy } = await TcpProxy.toDatabase(url);
    cleanups.push(() => proxy.close());
    t = await startTestApp('postgres', {
      databaseUrl: viaProxy,
      env: { EVENTHOOK_READINESS_TIMEOUT: '1500ms' },
    });
    const app = t;
    const bound = app.app.config.readinessTimeoutMs;
    expect(bound).toBe(1_500);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);

    proxy.stall();
    const started = Date.now();
    const res = await fetch(`${app.url}/readyz`, { signal: AbortSignal.timeout(10_000) });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe('not ready');
    expect(body.checks.store).toMatch(/^unreachable: /);
    expect(elapsed).toBeGreaterThanOrEqual(bound - 100);
    expect(elapsed).toBeLessThan(bound + 1_500);

    // Let the stalled queries fail (their sockets close) so the app can shut down.
    await proxy.close();
  });

  it('fails a request with an error, not a hang, when no connection to the database can be made', async () => {
    const { url, drop } = await freshPostgresSchema();
    cleanups.push(drop);
    const { proxy, url: viaProxy } = await TcpProxy.toDatabase(url);
    cleanups.push(() => proxy.close());
    t = await startTestApp('postgres', {
      databaseUrl: viaProxy,
      env: { EVENTHOOK_PG_CONNECT_TIMEOUT: '3s' },
    });
    const app = t;
    const connectTimeout = app.app.config.pgConnectTimeoutMs;
    expect(connectTimeout).toBe(3_000);
    expect((await app.api.get(`${BASE}/sources`)).status).toBe(200);

    proxy.blackhole();
    // The first requests may meet pooled connections that just broke and fail at once; the later ones have to
    // connect, which never completes. Each must still get an answer, bounded by the connection timeout.
    const slowest = { ms: 0 };
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const res = await fetch(`${app.url}${BASE}/sources`, {
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
        signal: AbortSignal.timeout(connectTimeout + 3_000),
      });
      const waited = Date.now() - started;
      slowest.ms = Math.max(slowest.ms, waited);
      // The database being out of reach is no bug of the request's: 503, come back later (a sender retries).
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      const problem = (await res.json()) as { code: string; detail: string };
      expect(problem.code).toBe('EH_STORE_UNAVAILABLE');
      if (waited >= connectTimeout - 200) {
        expect(problem.detail).toBe(
          'The database is unavailable: no connection was free or could be made within 3000 ms; try again shortly',
        );
        break;
      }
    }
    // At least one of them waited for a connection that never came, and gave up at the timeout.
    expect(slowest.ms).toBeGreaterThanOrEqual(connectTimeout - 200);
    const ready = await fetch(`${app.url}/readyz`, { signal: AbortSignal.timeout(10_000) });
    expect(ready.status).toBe(503);

    // Refuse connections from now on, so shutting down does not wait out the connection timeouts.
    await proxy.close();
  });
  it('answers 503 EH_STORE_UNAVAILABLE at once when the database refuses connections, naming no host', async () => {
    const { url, drop } = await freshPostgresSchema();
    cleanups.push(drop);
    const { proxy, url: viaProxy } = await TcpProxy.toDatabase(url);
    const { logger, lines } = capturedLogger('warn');
    t = await startTestApp('postgres', { databaseUrl: viaProxy, logger });
    const app = t;
    expect((await app.api.get(`${BASE}/sources`)).status).toBe(200);

    // Nothing listens any more: pooled connections break, new ones are refused.
    await proxy.close();
    const res = await eventually(
      async () => {
        const r = await app.api.get(`${BASE}/sources`);
        expect(r.status).toBe(503);
        return r.body.detail ===
          'The database is unavailable: PostgreSQL refused the connection; try again shortly'
          ? r
          : undefined;
      },
      5_000,
      'a refused connection to be answered',
    );
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.body.code).toBe('EH_STORE_UNAVAILABLE');
    // The driver's message stays in the log. Refused requests are logged once as they begin (then once a minute), and
    // the first to fail may have met a pooled connection breaking rather than a refused new one.
    expect(res.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
    const warned = lines.filter((l) => l.msg === 'the database is unavailable');
    expect(warned).toHaveLength(1);
    expect(JSON.stringify(warned[0])).toMatch(/ECONNREFUSED|Connection terminated|ECONNRESET|EPIPE/);
  });

  it('fails a write whose connection the server ends with 503, commits nothing, and serves the next', async () => {
    const { url, drop } = await freshPostgresSchema();
    cleanups.push(drop);
    t = await startTestApp('postgres', { databaseUrl: url });
    const app = t;
    const stopKilling = await terminateInserts(url, 'events');
    let res;
    try {
      res = await app.api.post(`${BASE}/events`, { type: 'order.placed', data: { n: 1 } });
    } finally {
      await stopKilling();
    }
    expect(res.status, res.text).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.body).toMatchObject({
      code: 'EH_STORE_UNAVAILABLE',
      detail: 'The database is unavailable: PostgreSQL ended the connection; try again shortly',
    });
    expect((await app.api.get(`${BASE}/events?type=order.placed`)).body.items).toEqual([]);

    // The broken connection was dropped: the sender's retry lands, once.
    const again = await app.api.post(`${BASE}/events`, { type: 'order.placed', data: { n: 1 } });
    expect(again.status, again.text).toBe(200);
    const events = (await app.api.get(`${BASE}/events?type=order.placed`)).body.items as { id: string }[];
    expect(events.map((e) => e.id)).toEqual([again.body.eventId]);
  });
  it('logs an outage once per recurring task while it lasts, and its end, not once per pass', async () => {
    const { url, drop } = await freshPostgresSchema();
    cleanups.push(drop);
    const { proxy, url: viaProxy } = await TcpProxy.toDatabase(url);
    cleanups.push(() => proxy.close());
    const { logger, lines } = capturedLogger('info');
    t = await startTestApp('postgres', {
      databaseUrl: viaProxy,
      env: { EVENTHOOK_SWEEP_INTERVAL: '200ms' },
      logger,
    });
    const app = t;
    expect((await app.api.get(`${BASE}/sources`)).status).toBe(200);
    const count = (msg: string) => lines.filter((l) => l.msg === msg).length;
    const recurring = {
      'worker heartbeat failed': 'worker heartbeats succeed again',
      'action pass failed; the next pass tries again': 'action passes succeed again',
      'routing pass failed; the next pass tries again': 'routing passes succeed again',
      'deleted-org purge failed': 'deleted-org purges succeed again',
    };

    // Ten and more sweeps with the database out of reach: every pass and heartbeat fails.
    proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    for (const failed of Object.keys(recurring)) {
      expect(count(failed), failed).toBe(1);
      expect(lines.find((l) => l.msg === failed)).toMatchObject({
        level: 40,
        error: expect.stringMatching(/^The database is unavailable: /),
      });
    }

    proxy.restore();
    for (const [failed, recovered] of Object.entries(recurring)) {
      const line = await eventually(
        async () => lines.find((l) => l.msg === recovered),
        10_000,
        `"${recovered}" to be logged`,
      );
      expect(line).toMatchObject({ level: 30, failures: expect.any(Number), forMs: expect.any(Number) });
      // It says how long the outage lasted and how many runs it failed, which the single warning did not.
      expect(line.failures as number).toBeGreaterThanOrEqual(5);
      expect(line.forMs as number).toBeGreaterThanOrEqual(2_000);
      expect(count(failed), failed).toBe(1);
    }
  });
});

describe.skipIf(!available)('PostgreSQL statements that do not finish', () => {
  let t: TestApp | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await t?.close();
    t = undefined;
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('fails a query whose answer stalls with an error within the statement timeout, and recovers', async () => {
    const { url, drop } = await freshPostgresSchema();
    cleanups.push(drop);
    const { proxy, url: viaProxy } = await TcpProxy.toDatabase(url);
    cleanups.push(() => proxy.close());
    const { logger, logged } = capturedLogger('warn');
    t = await startTestApp('postgres', {
      databaseUrl: viaProxy,
      env: { EVENTHOOK_PG_STATEMENT_TIMEOUT: '1s', EVENTHOOK_PG_CONNECT_TIMEOUT: '2s' },
      logger,
    });
    const app = t;
    await createSource(app, {
      slug: 'app',
      verifier: { type: 'api_key', in: 'header', name: 'x-api-key' },
      secret: 'key-1',
    });

    // Connections stay open, and nothing comes back: the server's statement_timeout cannot reach the client.
    proxy.stall();
    const started = Date.now();
    const res = await fetch(`${app.url}${BASE}/sources`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
      signal: AbortSignal.timeout(10_000),
    });
    const elapsed = Date.now() - started;
    // A timeout is the database being slow for now, not a bug: the caller is told to come back.
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { code: string }).code).toBe('EH_STORE_TIMEOUT');
    // A pooled connection gives up 1 s after the statement timeout; a new one at the connection timeout (2 s).
    expect(elapsed).toBeLessThan(2_000 + 3_000);
    await eventually(
      async () => logged('PostgreSQL did not answer within 2000 ms'),
      5_000,
      'the stalled query to be logged with its reason',
    );

    // The line is back: the stalled connections were dropped, new ones answer.
    proxy.restore();
    await servesAgain(app, 'stall', 10_000);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
  });

  it('has the server cancel a slow statement at the statement timeout', async () => {
    const { url, schema, drop } = await freshPostgresSchema();
    cleanups.push(drop);
    const { logger, logged, lines } = capturedLogger('warn');
    const timedOut = () => lines.filter((l) => l.msg === 'a database query timed out');
    t = await startTestApp('postgres', {
      databaseUrl: url,
      env: { EVENTHOOK_PG_STATEMENT_TIMEOUT: '1s' },
      logger,
    });
    const app = t;
    expect((await app.api.get('/api/orgs')).status).toBe(200);

    // Every read of the orgs now sleeps 3 s per org: a statement far slower than the timeout.
    await asAdmin(`alter table ${schema}.orgs rename to orgs_kept`, []);
    await asAdmin(
      `create view ${schema}.orgs as select * from ${schema}.orgs_kept where pg_sleep(3) is not null`,
      [],
    );
    const started = Date.now();
    const res = await app.api.get('/api/orgs');
    const elapsed = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.body).toMatchObject({
      code: 'EH_STORE_TIMEOUT',
      detail: expect.stringContaining('statement timeout 1000 ms'),
    });
    // No driver text and no SQL reach the caller.
    expect(res.text).not.toMatch(/canceling|select/i);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(5_000);
    await eventually(
      async () => logged('canceling statement due to statement timeout'),
      5_000,
      'the cancelled statement to be logged',
    );
    // Once, with the request and the statement that ran long.
    expect(timedOut()).toHaveLength(1);
    expect(timedOut()[0]).toMatchObject({
      method: 'GET',
      url: '/api/orgs',
      query: expect.stringMatching(/"orgs"/),
    });
    // The connection it ran on did not break (the client's own timeout, a second later, can still win on a machine too
    // busy to read the cancellation in time: it drops the connection quietly, so it is not asserted against here).
    expect(logged('PostgreSQL connection was lost')).toBe(false);

    await asAdmin(`drop view ${schema}.orgs`, []);
    await asAdmin(`alter table ${schema}.orgs_kept rename to orgs`, []);
    expect((await app.api.get('/api/orgs')).status).toBe(200);
  });
});
