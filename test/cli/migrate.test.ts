// `eventhook migrate`, and `serve` with EVENTHOOK_MIGRATE=off, as real child processes on SQLite and PostgreSQL: the
// command says what it applied; a server that may not migrate refuses a schema behind its version, and one a newer
// version migrated, naming what to do.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrateTo } from '../../src/store/migrations/index.js';
import { backendAvailable } from '../helpers/app.js';
import { BEFORE_LATEST, LATEST, MIGRATIONS } from '../helpers/migrations.js';
import { freshPostgresSchema } from '../helpers/services.js';
import { runCli, startCli, startedUrl, tempDir } from './helpers.js';

/** The migrations a SQLite file records as applied. */
function sqliteMigrations(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('select name from eventhook_migrations order by name').all();
    return (rows as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

async function postgresMigrations(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      'select name from eventhook_migrations order by name',
    );
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

/** What `migrate` prints when it applied `names`. */
const appliedOutput = (database: string, names: string[]) =>
  `Applied ${names.length === 1 ? '1 migration' : `${names.length} migrations`} to database ${database}:\n` +
  names.map((n) => `  ${n}\n`).join('');

const upToDate = (database: string) =>
  `Database ${database} was already up to date: no migrations to apply.\n`;

/** What `serve` says when the schema lacks `names` and it may not migrate. */
const behind = (names: string[]) =>
  `eventhook: The database schema lacks ${names.length} of the migrations this version needs (${
    names.length <= 3 ? names.join(', ') : `${names[0]} to ${names[names.length - 1]}`
  }) and EVENTHOOK_MIGRATE is off: run \`eventhook migrate\` first\n`;

const AHEAD =
  'eventhook: The database schema has migrations this version does not know (999-from-a-newer-version): a ' +
  'newer version of Eventhook migrated it; run that version or a later one\n';

/** Runs `serve` until it says it started, then stops it; fails if it exits first. */
async function serveStarts(env: Record<string, string>): Promise<void> {
  const dir = tempDir().dir;
  const server = startCli(['serve'], {
    PORT: '0',
    EVENTHOOK_HOST: '127.0.0.1',
    EVENTHOOK_DATA_DIR: `${dir}/data`,
    EVENTHOOK_ADMIN_TOKEN: 'eho_migrate-test',
    EVENTHOOK_LOG_LEVEL: 'info',
    ...env,
  });
  try {
    await startedUrl(server);
  } finally {
    server.child.kill('SIGTERM');
    await server.result;
  }
}

describe('eventhook migrate', { timeout: 120_000 }, () => {
  it('migrates a fresh SQLite file (from --config), naming what it applied; a second run (from the environment) has nothing to do', async () => {
    const files = tempDir();
    const db = join(files.dir, 'nested', 'eventhook.db');
    const config = files.write('eventhook.yaml', `server:\n  databaseUrl: sqlite:${db}\n  logLevel: warn\n`);
    const first = await runCli(['migrate', '--config', config]);
    expect(first.code, first.stderr).toBe(0);
    expect(sqliteMigrations(db)).toEqual(MIGRATIONS);
    expect(first.stdout).toBe(appliedOutput(`sqlite:${db}`, [...MIGRATIONS]));

    const again = await runCli(['migrate'], { EVENTHOOK_DATABASE_URL: `sqlite:${db}` });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(upToDate(`sqlite:${db}`));
    expect(sqliteMigrations(db)).toEqual(MIGRATIONS);
  });

  it('applies only what an older schema lacks, and says so', async () => {
    const db = join(tempDir().dir, 'eventhook.db');
    const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(db) }) });
    await migrateTo(kysely, { blob: 'blob' }, BEFORE_LATEST);
    await kysely.destroy();
    const env = { EVENTHOOK_DATABASE_URL: `sqlite:${db}`, EVENTHOOK_MIGRATE: 'off' };

    const refused = await runCli(['serve'], env);
    expect(refused).toEqual({ code: 1, stdout: '', stderr: behind([LATEST]) });

    const r = await runCli(['migrate'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(appliedOutput(`sqlite:${db}`, [LATEST]));
  });

  it('migrates PostgreSQL, naming what it applied, without printing its credentials', async (ctx) => {
    if (!(await backendAvailable('postgres')))
      ctx.skip('PostgreSQL is not reachable (EVENTHOOK_TEST_POSTGRES_URL)');
    const schema = await freshPostgresSchema();
    try {
      const env = { EVENTHOOK_DATABASE_URL: schema.url };
      const r = await runCli(['migrate'], env);
      expect(r.code, r.stderr).toBe(0);
      expect(await postgresMigrations(schema.url)).toEqual(MIGRATIONS);
      const database = /^Applied \d+ migrations to database (postgres(?:ql)?:\/\/\S+):\n/.exec(r.stdout)?.[1];
      expect(database, r.stdout).toBeDefined();
      expect(r.stdout).toBe(appliedOutput(database!, [...MIGRATIONS]));
      const password = new URL(schema.url).password;
      if (password) expect(r.stdout).not.toContain(password);

      const again = await runCli(['migrate'], env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toBe(upToDate(database!));

      // Another schema's bookkeeping never counts: this one alone gains a migration from a newer version.
      const client = new pg.Client({ connectionString: schema.url });
      await client.connect();
      await client.query('insert into eventhook_migrations (name, timestamp) values ($1, $2)', [
        '999-from-a-newer-version',
        new Date().toISOString(),
      ]);
      await client.end();
      const ahead = await runCli(['migrate'], env);
      expect(ahead).toEqual({ code: 1, stdout: '', stderr: AHEAD });
    } finally {
      await schema.drop();
    }
  });

  it('fails with one clear line when the configuration is invalid', async () => {
    const files = tempDir();
    const config = files.write('bad.yaml', 'server:\n  databaseUrl: mysql://nope\n');
    const r = await runCli(['migrate', '--config', config]);
    expect(r.code).toBe(1);
    // Named as the file has it, since the value came from the file.
    expect(r.stderr).toBe(
      `eventhook: Invalid configuration: databaseUrl in ${config} must start with sqlite: or postgres://\n`,
    );
  });
});

describe('serve with EVENTHOOK_MIGRATE=off', { timeout: 180_000 }, () => {
  it('refuses a SQLite database that does not exist, creating nothing, naming the command', async () => {
    const folder = join(tempDir().dir, 'nested');
    const db = join(folder, 'eventhook.db');
    const env = { EVENTHOOK_DATABASE_URL: `sqlite:${db}`, EVENTHOOK_MIGRATE: 'off' };
    const refused = await runCli(['serve'], env);
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `eventhook: The database sqlite:${db} does not exist and EVENTHOOK_MIGRATE is off: ` +
        'run `eventhook migrate` first, which creates it\n',
    });
    // Neither the file nor its folder: a mistyped path leaves no stray empty database behind.
    expect(existsSync(folder)).toBe(false);
    expect((await runCli(['migrate'], env)).code).toBe(0);
    expect(existsSync(db)).toBe(true);
  });

  it('refuses a fresh SQLite database, naming the command; starts once it has run', async () => {
    const db = join(tempDir().dir, 'eventhook.db');
    // An empty file (made by hand, or by an older version of this check) is a database without the schema.
    writeFileSync(db, '');
    const env = { EVENTHOOK_DATABASE_URL: `sqlite:${db}`, EVENTHOOK_MIGRATE: 'off' };
    const refused = await runCli(['serve'], env);
    expect(refused).toEqual({ code: 1, stdout: '', stderr: behind([...MIGRATIONS]) });

    // It changed nothing: migrate finds every migration to apply.
    const migrated = await runCli(['migrate'], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toBe(appliedOutput(`sqlite:${db}`, [...MIGRATIONS]));
    await serveStarts(env);
  });

  it('refuses a fresh PostgreSQL schema, naming the command; starts once it has run', async (ctx) => {
    if (!(await backendAvailable('postgres')))
      ctx.skip('PostgreSQL is not reachable (EVENTHOOK_TEST_POSTGRES_URL)');
    const schema = await freshPostgresSchema();
    try {
      const env = { EVENTHOOK_DATABASE_URL: schema.url, EVENTHOOK_MIGRATE: 'off' };
      const refused = await runCli(['serve'], env);
      expect(refused).toEqual({ code: 1, stdout: '', stderr: behind([...MIGRATIONS]) });
      expect((await runCli(['migrate'], env)).code).toBe(0);
      expect(await postgresMigrations(schema.url)).toEqual(MIGRATIONS);
      await serveStarts(env);
    } finally {
      await schema.drop();
    }
  });

  it('is refused, as is migrate, on a schema a newer version migrated, whatever EVENTHOOK_MIGRATE says', async () => {
    const db = join(tempDir().dir, 'eventhook.db');
    const env = { EVENTHOOK_DATABASE_URL: `sqlite:${db}` };
    expect((await runCli(['migrate'], env)).code).toBe(0);
    const sqlite = new Database(db);
    sqlite
      .prepare('insert into eventhook_migrations (name, timestamp) values (?, ?)')
      .run('999-from-a-newer-version', new Date().toISOString());
    sqlite.close();
    const runs = [
      ['serve', 'auto'],
      ['serve', 'off'],
      ['migrate', 'auto'],
    ] as const;
    const results = await Promise.all(
      runs.map(([command, migrate]) => runCli([command], { ...env, EVENTHOOK_MIGRATE: migrate })),
    );
    for (const [i, r] of results.entries())
      expect(r, runs[i]!.join(' with EVENTHOOK_MIGRATE=')).toEqual({ code: 1, stdout: '', stderr: AHEAD });
  });
});
