// Fixtures for behaviour tests: a real server on a random port over a real store, and a small API client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import type { Clock } from '../../src/core/clock.js';
import { freshPostgresSchema, postgresAvailable } from './services.js';

export const OPERATOR_TOKEN = 'eho_test-operator-token';

export interface TestApp {
  app: App;
  url: string;
  /** API client authenticated with the operator token (or another key via `as`). */
  api: ApiClient;
  dataDir: string;
  close(): Promise<void>;
}

export type Backend = 'sqlite' | 'postgres';

export const BACKENDS: readonly Backend[] = ['sqlite', 'postgres'];

export async function backendAvailable(backend: Backend): Promise<boolean> {
  return backend === 'sqlite' ? true : postgresAvailable();
}

/** Starts Eventhook on port 0 with a fresh database of the given kind. */
export async function startTestApp(
  backend: Backend = 'sqlite',
  opts: {
    env?: Record<string, string>;
    clock?: Clock;
    dataDir?: string;
    databaseUrl?: string;
    /** Where the app logs instead (to read what it logged). */
    logger?: Logger;
  } = {},
): Promise<TestApp> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'eventhook-e2e-'));
  let dropSchema: (() => Promise<void>) | undefined;
  let databaseUrl = opts.databaseUrl;
  if (!databaseUrl && backend === 'postgres') {
    const schema = await freshPostgresSchema();
    databaseUrl = schema.url;
    dropSchema = schema.drop;
  }
  const config = loadConfig(
    {
      PORT: '0',
      EVENTHOOK_HOST: '127.0.0.1',
      EVENTHOOK_DATA_DIR: dataDir,
      EVENTHOOK_ADMIN_TOKEN: OPERATOR_TOKEN,
      EVENTHOOK_LOG_LEVEL: process.env.EVENTHOOK_TEST_LOG_LEVEL ?? 'silent',
      EVENTHOOK_SWEEP_INTERVAL: '200ms',
      ...(databaseUrl ? { EVENTHOOK_DATABASE_URL: databaseUrl } : {}),
      ...opts.env,
    },
    { cwd: dataDir },
  );
  const app = await createApp(config, {
    clock: opts.clock,
    logger: opts.logger ?? pino({ level: config.logLevel }),
  });
  const url = await app.listen();
  return {
    app,
    url,
    dataDir,
    api: new ApiClient(url, OPERATOR_TOKEN),
    async close() {
      await app.close();
      await dropSchema?.();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** JSON over fetch, with a bearer key. Never throws on HTTP errors: tests assert on status. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string | undefined,
  ) {}

  as(token: string | undefined): ApiClient {
    return new ApiClient(this.baseUrl, token);
  }

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body ?? {});
  }
  patch<T = any>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }
}

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** GET /readyz as the server answers it (no key needed). */
export async function readiness(url: string): Promise<{ status: string; checks: Record<string, string> }> {
  return (await fetch(`${url}/readyz`)).json() as Promise<{ status: string; checks: Record<string, string> }>;
}

/** Waits until the readiness check `name` says ok (a NATS user connected, say). */
export async function checkOk(url: string, name: string, timeoutMs = 15_000): Promise<void> {
  await eventually(
    async () => ((await readiness(url)).checks[name] === 'ok' ? true : undefined),
    timeoutMs,
    `readiness check ${name} to be ok`,
  );
}

/**
 * A rule settling promises nobody created: each action of an event of `type` fails its one attempt (the promise
 * `key:{data.ref}`, or `key:none` without a ref, is not found) and is dead at once — a dead letter on demand.
 * Resolves the rule as created.
 */
export async function createDeadEndRule(
  api: ApiClient,
  {
    name = 'settle',
    type = 'payment.done',
    base = '/api/orgs/default/eventhook',
  }: { name?: string; type?: string; base?: string } = {},
): Promise<{ id: string; name: string }> {
  const res = await api.post(`${base}/rules`, {
    name,
    pattern: { type: [type] },
    targets: [
      {
        type: 'promise',
        mode: 'resolve',
        promise: "join('', ['key:', data.ref || 'none'])",
        retry: { maxAttempts: 1 },
      },
    ],
  });
  if (res.status !== 201) throw new Error(`creating the dead-end rule: ${res.status} ${res.text}`);
  return res.body;
}
