// `eventhook serve --config` and `--role`: the server side of the CLI, as real child processes (migrate has its own
// file). One YAML file can hold both the server settings (server:) and the declarative configuration `apply` reads.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/core/index.js';
import { eventually } from '../helpers/app.js';
import { POSTGRES_URL, postgresAvailable } from '../helpers/services.js';
import { runCli, startCli, startedUrl, tempDir } from './helpers.js';

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
      const url = await startedUrl(server);
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

describe('eventhook serve on a port in use', { timeout: 120_000 }, () => {
  it('says so in one line and still shows the operator token a first start made', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const files = tempDir();
      const env = {
        PORT: String(port),
        EVENTHOOK_HOST: '127.0.0.1',
        EVENTHOOK_DATA_DIR: `${files.dir}/data`,
      };
      const first = await runCli(['serve'], env);
      expect(first.code).toBe(1);
      expect(first.stderr).toContain(
        `eventhook: port ${port} on 127.0.0.1 is already in use (another eventhook, or another program)\n` +
          '  Stop it, or choose another port with PORT (or port: in the --config file).\n',
      );
      expect(first.stderr).not.toContain('    at ');
      // The store keeps the token's hash from the first start, so the first start is the only one to print it.
      const token = /Operator token[^\n]*\n {2}(eho_\S+)/.exec(first.stdout)?.[1];
      expect(token, first.stdout).toBeDefined();
      const again = await runCli(['serve'], env);
      expect(again.code).toBe(1);
      expect(again.stdout).not.toContain('Operator token');
      // And it is the token that works once the port is free.
      await new Promise<void>((resolve) => taken.close(() => resolve()));
      const server = startCli(['serve'], { ...env, EVENTHOOK_LOG_LEVEL: 'info' });
      try {
        await startedUrl(server);
        const res = await fetch(`http://127.0.0.1:${port}/api/orgs`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(res.status).toBe(200);
      } finally {
        server.child.kill('SIGTERM');
        expect((await server.result).code).toBe(0);
      }
    } finally {
      if (taken.listening) taken.close();
    }
  });

  it('names the host when it is no address of this machine', async () => {
    const files = tempDir();
    const r = await runCli(['serve'], {
      PORT: '0',
      EVENTHOOK_HOST: '203.0.113.7', // TEST-NET-3, kept for documentation
      EVENTHOOK_DATA_DIR: `${files.dir}/data`,
      EVENTHOOK_ADMIN_TOKEN: 'eho_host-test',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'eventhook: cannot listen on 203.0.113.7: it is not an address of this machine\n' +
        '  Set EVENTHOOK_HOST (or host: in the --config file) to one of its addresses, or 0.0.0.0 for all.\n',
    );
  });
});

const postgres = await postgresAvailable();

describe('eventhook serve and migrate on a database that cannot be opened', { timeout: 120_000 }, () => {
  /** A port of 127.0.0.1 nothing listens on. */
  const closedPort = async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return port;
  };

  it('says which database and why in one line, without its password or the driver’s stack', async () => {
    const port = await closedPort();
    const files = tempDir();
    const env = {
      PORT: '0',
      EVENTHOOK_DATA_DIR: `${files.dir}/data`,
      EVENTHOOK_DATABASE_URL: `postgres://eventhook:s3cret-pass@127.0.0.1:${port}/eventhook`,
    };
    for (const command of ['serve', 'migrate']) {
      const r = await runCli([command], env);
      expect(r.code, command).toBe(1);
      expect(r.stderr, command).toBe(
        `eventhook: Could not open the database postgres://***@127.0.0.1:${port}/eventhook: ` +
          `connect ECONNREFUSED 127.0.0.1:${port}\n`,
      );
    }
    // A folder that cannot be made; and one under /proc, where Node 20's recursive mkdir spins for ever (ENOENT
    // with the parent present): both must fail with the reason.
    const sqliteCases: [Record<string, string>, string][] = [
      [
        { EVENTHOOK_DATABASE_URL: 'sqlite:/dev/null/data/eventhook.db' },
        "sqlite:/dev/null/data/eventhook.db: ENOTDIR: not a directory, mkdir '/dev/null/data'",
      ],
      [
        { EVENTHOOK_DATA_DIR: '/proc/eventhook-test/data' },
        "sqlite:/proc/eventhook-test/data/eventhook.db: ENOENT: no such file or directory, mkdir '/proc/eventhook-test'",
      ],
    ];
    for (const [env, reason] of sqliteCases) {
      const r = await runCli(['serve'], { PORT: '0', EVENTHOOK_ADMIN_TOKEN: 'eho_open-test', ...env });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`eventhook: Could not open the database ${reason}\n`);
    }
  });

  it.skipIf(!postgres)('names a database the server does not have', async () => {
    const url = new URL(POSTGRES_URL);
    url.pathname = '/eventhook_no_such_database';
    const r = await runCli(['migrate'], { EVENTHOOK_DATABASE_URL: url.toString() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^eventhook: Could not open the database postgres:\/\/.*\/eventhook_no_such_database: database "eventhook_no_such_database" does not exist\n$/,
    );
  });
});

describe('eventhook serve and migrate with a misspelt setting', { timeout: 120_000 }, () => {
  // Variables of other programs that share the prefix: the CLI's own, and what Kubernetes sets for a Service named
  // eventhook. None of them is warned about.
  const others = {
    EVENTHOOK_URL: 'http://127.0.0.1:1',
    EVENTHOOK_SERVICE_HOST: '10.0.0.7',
    EVENTHOOK_PORT: 'tcp://10.0.0.7:8080',
    EVENTHOOK_PORT_8080_TCP_ADDR: '10.0.0.7',
  };
  const misspelt = { EVENTHOOK_RETENTON_DAYS: '3', EVENTHOOK_DATABSE_URL: 'postgres://db/eventhook' };
  const warnings = [
    'EVENTHOOK_DATABSE_URL is not a setting (did you mean EVENTHOOK_DATABASE_URL?); it is ignored',
    'EVENTHOOK_RETENTON_DAYS is not a setting (did you mean EVENTHOOK_RETENTION_DAYS?); it is ignored',
  ];

  it('serve logs a warning naming each EVENTHOOK_ variable that is no setting, and the one it likely meant', async () => {
    const files = tempDir();
    const server = startCli(['serve'], {
      PORT: '0',
      EVENTHOOK_HOST: '127.0.0.1',
      EVENTHOOK_DATA_DIR: `${files.dir}/data`,
      EVENTHOOK_ADMIN_TOKEN: 'eho_misspelt-test',
      EVENTHOOK_LOG_LEVEL: 'info',
      ...others,
      ...misspelt,
    });
    try {
      await startedUrl(server);
      const warned = server
        .output()
        .stdout.split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string })
        .filter((line) => line.level === 40 && line.msg.includes('is not a setting'))
        .map((line) => line.msg);
      expect(warned).toEqual(warnings);
    } finally {
      server.child.kill('SIGTERM');
      await server.result;
    }
  });

  it('migrate says so on stderr and goes on; a misspelt key of the file is refused with the key it likely meant', async () => {
    const files = tempDir();
    const r = await runCli(['migrate'], { EVENTHOOK_DATA_DIR: `${files.dir}/data`, ...others, ...misspelt });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(warnings.map((w) => `eventhook: warning: ${w}\n`).join(''));
    const file = files.write('eventhook.yaml', `server:\n  dataDir: ${files.dir}/data\n  retentonDays: 3\n`);
    const refused = await runCli(['migrate', '--config', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `eventhook: Invalid configuration: ${file}: unknown setting "retentonDays" (did you mean retentionDays?)\n`,
    );
  });
});

describe('eventhook serve with another master key than the store’s', { timeout: 120_000 }, () => {
  it('refuses to start in one line, without a stack', async () => {
    const files = tempDir();
    const env = {
      PORT: '0',
      EVENTHOOK_HOST: '127.0.0.1',
      EVENTHOOK_DATA_DIR: `${files.dir}/data`,
      EVENTHOOK_ADMIN_TOKEN: 'eho_master-key-test',
    };
    const first = startCli(['serve'], { ...env, EVENTHOOK_MASTER_KEY: SecretBox.generateKey() });
    await startedUrl(first, 'the first server to start');
    first.child.kill('SIGTERM');
    expect((await first.result).code).toBe(0);
    const r = await runCli(['serve'], { ...env, EVENTHOOK_MASTER_KEY: SecretBox.generateKey() });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'eventhook: the master key does not open the key check value in this store: every process of a deployment ' +
        'must use the same EVENTHOOK_MASTER_KEY (or the same master.key file), the one the secrets were sealed with\n',
    );
  });
});

describe('eventhook serve with a setting that cannot be right', { timeout: 120_000 }, () => {
  it('refuses a public URL without its scheme and a trusted proxy that is no address, naming them', async () => {
    const files = tempDir();
    const env = {
      PORT: '0',
      EVENTHOOK_DATA_DIR: `${files.dir}/data`,
      EVENTHOOK_ADMIN_TOKEN: 'eho_bad-settings',
    };
    // Ingest URLs were shown as `hooks.example.com/api/…`, which a provider cannot call.
    const url = await runCli(['serve'], { ...env, EVENTHOOK_PUBLIC_URL: 'hooks.example.com' });
    expect(url.code).toBe(1);
    expect(url.stderr).toBe(
      'eventhook: Invalid configuration: EVENTHOOK_PUBLIC_URL must be the http(s) URL providers reach, such as ' +
        'https://hooks.example.com (got "hooks.example.com")\n',
    );
    // Every webhook to a source with an IP allow-list was refused 400 for it, as if the sender had erred.
    const proxies = await runCli(['serve'], { ...env, EVENTHOOK_TRUSTED_PROXIES: '10.0.0.0/8,loadbalancer' });
    expect(proxies.code).toBe(1);
    expect(proxies.stderr).toBe(
      'eventhook: Invalid configuration: EVENTHOOK_TRUSTED_PROXIES[1]: "loadbalancer" is not an IP address or ' +
        'CIDR range\n',
    );
  });
});

describe('eventhook serve with a timing or size that cannot work', { timeout: 120_000 }, () => {
  it('refuses a sweep interval of 0 or beyond Node’s timers, a lease of 0 and a body limit of 0, naming the range', async () => {
    const files = tempDir();
    const env = {
      PORT: '0',
      EVENTHOOK_DATA_DIR: `${files.dir}/data`,
      EVENTHOOK_ADMIN_TOKEN: 'eho_bad-timings',
    };
    const cases: [Record<string, string>, string][] = [
      // Swept without a pause; and 99999d overflowed Node's timer, which then fired every millisecond.
      [{ EVENTHOOK_SWEEP_INTERVAL: '0' }, 'EVENTHOOK_SWEEP_INTERVAL must be from 10ms to 1h, got "0"'],
      [
        { EVENTHOOK_SWEEP_INTERVAL: '99999d' },
        'EVENTHOOK_SWEEP_INTERVAL must be from 10ms to 1h, got "99999d"',
      ],
      // A lease over as soon as it is taken.
      [{ EVENTHOOK_LEASE: '0' }, 'EVENTHOOK_LEASE must be from 1s to 24h, got "0"'],
      // Fastify's stack trace.
      [{ EVENTHOOK_BODY_LIMIT: '0' }, 'EVENTHOOK_BODY_LIMIT must be at least 1 byte, got "0"'],
    ];
    for (const [bad, message] of cases) {
      const r = await runCli(['serve'], { ...env, ...bad });
      expect(r.code, message).toBe(1);
      expect(r.stderr).toBe(`eventhook: Invalid configuration: ${message}\n`);
    }
  });
});
