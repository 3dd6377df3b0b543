// `eventhook migrate` and `eventhook serve --config`: the server side of the CLI, as real child processes. One YAML
// file can hold both the server settings (server:) and the declarative configuration `apply` reads.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { backendAvailable, eventually } from '../helpers/app.js';
import { freshPostgresSchema } from '../helpers/services.js';
import { runCli, startCli, tempDir } from './helpers.js';

const migrationsIn = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return (
      db.prepare('select name from eventhook_migrations order by name').all() as { name: string }[]
    ).map((r) => r.name);
  } finally {
    db.close();
  }
};

describe('eventhook migrate', { timeout: 120_000 }, () => {
  it('creates and migrates a fresh SQLite file (from --config), and a second run finds nothing to do (from the environment)', async () => {
    const files = tempDir();
    const db = join(files.dir, 'nested', 'eventhook.db');
    const config = files.write('eventhook.yaml', `server:\n  databaseUrl: sqlite:${db}\n  logLevel: warn\n`);
    const first = await runCli(['migrate', '--config', config]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`Database sqlite:${db} is at the latest schema.\n`);
    const applied = migrationsIn(db);
    expect(applied[0]).toBe('001-initial');
    expect(applied.length).toBeGreaterThanOrEqual(3);

    const again = await runCli(['migrate'], {
      EVENTHOOK_DATABASE_URL: `sqlite:${db}`,
      EVENTHOOK_LOG_LEVEL: 'warn',
    });
    expect(again.code, again.stderr).toBe(0);
    expect(migrationsIn(db)).toEqual(applied);
  });

  it('migrates PostgreSQL, without printing its credentials', async (ctx) => {
    if (!(await backendAvailable('postgres')))
      ctx.skip('PostgreSQL is not reachable (EVENTHOOK_TEST_POSTGRES_URL)');
    const schema = await freshPostgresSchema();
    try {
      const r = await runCli(['migrate'], {
        EVENTHOOK_DATABASE_URL: schema.url,
        EVENTHOOK_LOG_LEVEL: 'warn',
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Database postgres(ql)?:\/\/\S+ is at the latest schema\.\n$/);
      const password = new URL(schema.url).password;
      if (password) expect(r.stdout).not.toContain(password);
      const client = new pg.Client({ connectionString: schema.url });
      await client.connect();
      try {
        const rows = (await client.query('select name from eventhook_migrations order by name')).rows as {
          name: string;
        }[];
        expect(rows[0]?.name).toBe('001-initial');
      } finally {
        await client.end();
      }
    } finally {
      await schema.drop();
    }
  });

  it('fails with one clear line when the configuration is invalid', async () => {
    const files = tempDir();
    const config = files.write('bad.yaml', 'server:\n  databaseUrl: mysql://nope\n');
    const r = await runCli(['migrate', '--config', config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'eventhook: Invalid configuration: EVENTHOOK_DATABASE_URL must start with sqlite: or postgres://\n',
    );
  });
});

describe('eventhook serve --config', { timeout: 120_000 }, () => {
  it('runs with the settings of the server: section; apply reads the same file', async () => {
    const files = tempDir();
    const file = files.write(
      'eventhook.yaml',
      `server:
  port: 0
  host: 127.0.0.1
  dataDir: ${files.dir}/data
  adminToken: eho_from-the-config-file
  logLevel: info
sources:
  - slug: github
    provider: github
    secret: from-the-file
rules:
  - name: pushes
    pattern: { type: [push] }
    targets: [{ type: workflow, config: { kind: on-push } }]
`,
    );
    const server = startCli(['serve', '--config', file]);
    try {
      const url = await eventually(
        async () =>
          /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"eventhook started"/.exec(
            server.output().stdout,
          )?.[1],
        60_000,
        'the server to start',
      );
      const env = { EVENTHOOK_URL: url, EVENTHOOK_KEY: 'eho_from-the-config-file' };
      const applied = await runCli(['apply', '-f', file], env);
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stdout).toContain('Applied 2 changes to org default.');
      const res = await fetch(`${url}/api/orgs/default/eventhook/sources/github`, {
        headers: { authorization: 'Bearer eho_from-the-config-file' },
      });
      expect(res.status).toBe(200);
      expect(server.output().stdout).toContain(`"store":"sqlite:${files.dir}/data/eventhook.db"`);
    } finally {
      server.child.kill('SIGTERM');
      const exit = await server.result;
      expect(exit.code).toBe(0);
    }
  });
});

describe('eventhook serve --role', { timeout: 120_000 }, () => {
  /** Starts `serve` with `args` on a fresh SQLite file; resolves the fields of its "eventhook started" line. */
  const start = async (args: string[], env: Record<string, string>) => {
    const files = tempDir();
    const server = startCli(['serve', ...args], {
      PORT: '0',
      EVENTHOOK_HOST: '127.0.0.1',
      EVENTHOOK_DATA_DIR: `${files.dir}/data`,
      EVENTHOOK_ADMIN_TOKEN: 'eho_role-test',
      EVENTHOOK_LOG_LEVEL: 'info',
      ...env,
    });
    const started = await eventually(
      async () =>
        server
          .output()
          .stdout.split('\n')
          .find((line) => line.includes('"msg":"eventhook started"')),
      60_000,
      'the server to start',
    );
    return { server, started: JSON.parse(started) as { url: string; role: string } };
  };
  const stop = async (server: ReturnType<typeof startCli>) => {
    server.child.kill('SIGTERM');
    const exit = await server.result;
    expect(exit.code).toBe(0);
  };

  it('ingest runs the HTTP server without workers, over EVENTHOOK_ROLE', async () => {
    const { server, started } = await start(['--role', 'ingest'], { EVENTHOOK_ROLE: 'worker' });
    try {
      expect(started.role).toBe('api');
      // A process with workers reports them among its readiness checks; this one has none.
      const ready = (await (await fetch(`${started.url}/readyz`)).json()) as {
        checks: Record<string, string>;
      };
      expect(ready.checks).toEqual({ store: 'ok' });
    } finally {
      await stop(server);
    }
  });

  it('worker runs routing and delivery with only the operations routes on HTTP, over EVENTHOOK_ROLE', async () => {
    const { server, started } = await start(['--role', 'worker'], { EVENTHOOK_ROLE: 'api' });
    try {
      expect(started).toMatchObject({
        role: 'worker',
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      });
      expect((await fetch(`${started.url}/healthz`)).status).toBe(200);
      // Its probes and metrics only: the API is the API processes'.
      const api = await fetch(`${started.url}/api/orgs`, {
        headers: { authorization: 'Bearer eho_role-test' },
      });
      expect(api.status).toBe(404);
      // It keeps running (before it served HTTP, nothing held it open and it exited as soon as it had started).
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(server.output().code).toBeNull();
    } finally {
      await stop(server);
    }
  });

  it('refuses another role before starting anything', async () => {
    const r = await runCli(['serve', '--role', 'router']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'eventhook: --role must be one of all, api, ingest, worker (got router); see eventhook serve --help\n',
    });
  });
});
