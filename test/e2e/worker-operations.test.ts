// A split deployment's worker process answers its supervisor and Prometheus: /healthz, /readyz (not ready when its
// store stops answering) and its own /metrics under the API's operator-token rule, every other path 404 as on the
// API; and the API process, which beats as no worker, reports the workers alive from the store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCRAPE_READ_TIMEOUT_MS } from '../../src/observability/scrape-read.js';
import { backendAvailable, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { metricValue } from '../helpers/ingest.js';
import {
  BASE,
  createEndpoint,
  createRule,
  type Receiver,
  type Send,
  startOutbound,
  stopOutbound,
} from '../helpers/outbound.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const available = await backendAvailable('postgres');

describe.skipIf(!available)('a worker process’s operations routes — postgres', () => {
  let api: TestApp;
  let worker: TestApp;
  /** Between the worker and PostgreSQL, to make the store stop answering it. */
  let proxy: TcpProxy;
  let receiver: Receiver;
  let send: Send;

  /** Another worker process on the API's database (and master key), reaching it through `databaseUrl`. */
  const startWorker = (databaseUrl: string) =>
    startTestApp('postgres', {
      dataDir: api.dataDir,
      databaseUrl,
      env: { EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1', EVENTHOOK_ROLE: 'worker' },
    });

  beforeAll(async () => {
    ({
      t: api,
      receiver,
      send,
    } = await startOutbound('postgres', undefined, { env: { EVENTHOOK_ROLE: 'api' } }));
    const viaProxy = await TcpProxy.toDatabase(api.app.config.databaseUrl);
    proxy = viaProxy.proxy;
    worker = await startWorker(viaProxy.url);
  });
  afterAll(async () => {
    await worker?.close();
    await proxy?.close();
    await stopOutbound(api, receiver);
  });

  it('listens on a port of its own and answers the probes', async () => {
    expect(worker.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(worker.url).not.toBe(api.url);
    const health = await fetch(`${worker.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${worker.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { store: 'ok', workers: 'ok' } });
  });

  it('answers every other path 404 as the API does', async () => {
    for (const path of ['/api/orgs', `${BASE}/rules`, `${BASE}/in/app`, '/openapi.json', '/']) {
      const res = await worker.api.get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 404, code: 'EH_ROUTE_NOT_FOUND' });
    }
    const onApi = await api.api.get('/api/nowhere');
    const onWorker = await worker.api.get('/api/nowhere');
    expect(onWorker.body).toEqual(onApi.body);
  });

  it('keeps /metrics to the operator token, as the API does', async () => {
    const key = await api.api.post('/api/orgs/default/api-keys', { name: 'scraper', role: 'admin' });
    expect(key.status, key.text).toBe(201);
    const cases: [string | undefined, number, string][] = [
      [undefined, 401, 'EH_AUTH_MISSING'],
      ['eho_not-the-token', 401, 'EH_AUTH_INVALID'],
      [key.body.key as string, 403, 'EH_AUTH_FORBIDDEN'],
    ];
    for (const [token, status, code] of cases) {
      const onWorker = await worker.api.as(token).get('/metrics');
      expect(onWorker.status).toBe(status);
      expect(onWorker.body).toMatchObject({ code });
      expect(onWorker.body).toEqual((await api.api.as(token).get('/metrics')).body);
    }
    const ok = await worker.api.get('/metrics');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('shows the series the worker records: routing and the delivery it made', async () => {
    await createEndpoint(api, { slug: 'hook', url: `${receiver.url}/hook` });
    await createRule(api, 'to-hook', 'order.placed', [{ endpoint: 'hook' }]);
    await send({ type: 'order.placed', order: 1 });
    await eventually(async () => receiver.requests.some((r) => r.path === '/hook') || undefined);
    const delivered = { target: 'webhook', outcome: 'succeeded' };
    await eventually(
      async () => (await metricValue(worker, 'eventhook_action_attempts_total', delivered)) >= 1 || undefined,
    );
    expect(await metricValue(worker, 'eventhook_events_routed_total', { status: 'routed' })).toBeGreaterThan(
      0,
    );
    // The API process took the webhook and delivered nothing: the worker's series were visible only in it.
    expect(await metricValue(api, 'eventhook_action_attempts_total', delivered)).toBe(0);
    expect(await metricValue(api, 'eventhook_events_received_total', { source: 'app' })).toBe(1);
  });

  it('shows only the series of what it runs: no ingest series on the worker, no routing or delivery on the API', async () => {
    const families = async (t: TestApp) => {
      const text = (await t.api.get('/metrics')).text as string;
      return new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!));
    };
    const onWorker = await families(worker);
    const onApi = await families(api);
    const ingestOnly = [
      'eventhook_events_received_total',
      'eventhook_webhooks_verified_total',
      'eventhook_webhooks_rejected_total',
      'eventhook_webhooks_duplicate_total',
      'eventhook_ingest_backlog_bytes',
    ];
    const workOnly = [
      'eventhook_events_routed_total',
      'eventhook_action_attempts_total',
      'eventhook_action_attempt_seconds',
      'eventhook_action_deferrals_total',
      'eventhook_actions_in_flight',
      'eventhook_leases_taken_over_total',
    ];
    for (const name of ingestOnly) {
      expect(onApi, name).toContain(name);
      expect(onWorker, name).not.toContain(name);
    }
    for (const name of workOnly) {
      expect(onWorker, name).toContain(name);
      expect(onApi, name).not.toContain(name);
    }
    // Neither runs the JetStream event log or intake (EVENTHOOK_JETSTREAM is off).
    for (const name of ['eventhook_jetstream_lag_seconds', 'eventhook_jetstream_intake_rejected_total']) {
      expect(onWorker, name).not.toContain(name);
      expect(onApi, name).not.toContain(name);
    }
    // What is about the whole deployment is in both.
    for (const name of [
      'eventhook_actions_waiting',
      'eventhook_workers_alive',
      'eventhook_ingest_processes_alive',
    ]) {
      expect(onWorker, name).toContain(name);
      expect(onApi, name).toContain(name);
    }
  });

  it('reports the processes alive in every process, whichever kind it beats as', async () => {
    // The API process beats as no worker, the worker as no ingest process: each reads the other kind when scraped.
    await eventually(async () => (await metricValue(api, 'eventhook_workers_alive', {})) === 1 || undefined);
    await eventually(
      async () => (await metricValue(worker, 'eventhook_ingest_processes_alive', {})) === 1 || undefined,
    );
    const other = await startWorker(api.app.config.databaseUrl);
    try {
      await eventually(
        async () => (await metricValue(api, 'eventhook_workers_alive', {})) === 2 || undefined,
      );
    } finally {
      await other.close();
    }
    // A worker that stops leaves: the next scrape no longer counts it.
    expect(await metricValue(api, 'eventhook_workers_alive', {})).toBe(1);
  });

  it('says it is not ready, within its bound, when its store stops answering', async () => {
    proxy.stall();
    const started = Date.now();
    const res = await fetch(`${worker.url}/readyz`, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe('not ready');
    expect(body.checks.store).toMatch(/^unreachable: /);
    expect(Date.now() - started).toBeLessThan(worker.app.config.readinessTimeoutMs + 1_500);
    // Still alive: the supervisor must not restart a worker for its database's outage.
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    // And scraped, it answers within the bound of its store reads (the gauges keep their last values).
    const scraped = Date.now();
    expect(await metricValue(worker, 'eventhook_ingest_processes_alive', {})).toBe(1);
    expect(Date.now() - scraped).toBeLessThan(SCRAPE_READ_TIMEOUT_MS + 1_500);
    // Let the stalled queries fail (their sockets close) so the worker can shut down.
    await proxy.close();
  });
});
