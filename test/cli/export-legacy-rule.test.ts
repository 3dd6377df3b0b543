// `eventhook export` of an org upgraded from a release that saved a rule pattern part today's checks refuse (a header
// name with capitals): the rule is written as it is, since it still routes so, but apply refuses that pattern, so
// export says which rule and part must be fixed before the file applies, rather than leaving the operator to find out
// from the refused apply that the round trip docs/cli.md promises does not hold.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateTo } from '../../src/store/migrations/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { runCli, serverEnv, tempDir } from './helpers.js';

const WARNING =
  'eventhook: warning: rule ping-events: /pattern/headers/X-GitHub-Event: X-GitHub-Event is no header name an ' +
  'event has: header names are stored in lower case (write x-github-event) (this part of the pattern can never ' +
  'match; saving this pattern now would be refused): apply refuses the file until that part is fixed';

describe('eventhook export of a rule an older release saved', { timeout: 120_000 }, () => {
  let t: TestApp;
  const files = tempDir();

  beforeAll(async () => {
    // The database the release of 6 December 2026 (schema up to 023) left, with the rule as it wrote it.
    const path = join(files.dir, 'eventhook.db');
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(path) }) });
    await migrateTo(db, { blob: 'blob' }, '023-audit-log');
    await db
      .insertInto('orgs' as never)
      .values({ slug: 'default', name: 'Default', created_at: 1796684177000 } as never)
      .execute();
    await db
      .insertInto('rules' as never)
      .values({
        id: 'rule_01M99BHR1C00KC5Z1CAZ5BVYS4',
        org: 'default',
        name: 'ping-events',
        description: '',
        enabled: 1,
        pattern: '{"headers":{"X-GitHub-Event":["ping"]}}',
        filter: null,
        targets: '[{"type":"task","kind":"on-ping"}]',
        created_at: 1796684177452,
        updated_at: 1796684177452,
        deleted_at: null,
      } as never)
      .execute();
    await db.destroy();
    t = await startTestApp('sqlite', { databaseUrl: `sqlite:${path}` });
  });
  afterAll(async () => t?.close());

  it('writes the rule as it is and says that apply refuses it until the part is fixed', async () => {
    const file = join(files.dir, 'org.yaml');
    const exported = await runCli(['export', '-f', file], serverEnv(t));
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toBe(`Wrote org default to ${file}.\n`);
    expect(exported.stderr).toBe(`${WARNING}\n`);

    // As the warning says: the file is refused at that part, whose fix the refusal names.
    const applied = await runCli(['apply', '-f', file, '--dry-run'], serverEnv(t));
    expect(applied.code).toBe(1);
    expect(applied.stderr).toContain('rules[0].pattern');
    expect(applied.stderr).toContain('(write x-github-event)');

    // -o json writes the bare file to stdout; the warning still goes to stderr.
    const json = await runCli(['export', '-o', 'json'], serverEnv(t));
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).rules[0].pattern).toEqual({ headers: { 'X-GitHub-Event': ['ping'] } });
    expect(json.stderr).toBe(`${WARNING}\n`);
  });
});
