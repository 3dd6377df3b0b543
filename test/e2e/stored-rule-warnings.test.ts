// A rule saved before Eventhook refused patterns that can never match (a header name with capitals, null or a number
// for a text field) is still routed as it was, and its author is told where: the rule's answers carry a warning,
// and the process logs one when it compiles the org's rules.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateTo } from '../../src/store/migrations/index.js';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { capturedLogger, type CapturedLogger } from '../helpers/logs.js';
import { BASE } from '../helpers/outbound.js';
import { ruleRecord } from '../helpers/records.js';

describe('rules stored with a pattern part that can never match', () => {
  let t: TestApp;
  let log: CapturedLogger;
  let legacyId: string;

  beforeAll(async () => {
    log = capturedLogger();
    t = await startTestApp('sqlite', { logger: log.logger });
    // As an older version stored them, past today's checks.
    const legacy = ruleRecord('default', 'legacy', Date.now(), {
      pattern: { $or: [{ subject: [null] }, { type: ['legacy.made'] }] } as never,
      targets: [{ type: 'task', kind: 'legacy-task' }],
    });
    legacyId = legacy.id;
    await t.app.store.rules.insert(legacy);
    const fine = await t.api.post(`${BASE}/rules`, {
      name: 'fine',
      pattern: { type: ['fine.made'] },
      targets: [{ type: 'task', kind: 'fine-task' }],
    });
    expect(fine.status, fine.text).toBe(201);
  });
  afterAll(async () => t?.close());

  it('routes it as before, and says which part never matches wherever the rule is read', async () => {
    const published = await t.api.post(`${BASE}/events`, { type: 'legacy.made', data: {} });
    expect(published.status, published.text).toBe(200);
    await eventually(
      async () => (await t.api.get(`${BASE}/engine/tasks?kind=legacy-task`)).body.items?.[0],
      10_000,
      'the legacy rule’s task',
    );

    const warning =
      '/pattern/$or/0/subject/0: subject is text in every event (or absent), so null never matches: {"exists": false} ' +
      'matches an event without one (this part of the pattern can never match; saving this pattern now would be refused)';
    const one = await t.api.get(`${BASE}/rules/legacy`);
    expect(one.status, one.text).toBe(200);
    expect(one.body.warnings).toEqual([warning]);
    const list = await t.api.get(`${BASE}/rules`);
    const byName = new Map<string, any>(list.body.items.map((r: any) => [r.name, r]));
    expect(byName.get('legacy').warnings).toEqual([warning]);
    expect(byName.get('fine').warnings).toBeUndefined();
    expect((await t.api.get(`${BASE}/rules/fine`)).body.warnings).toBeUndefined();

    const line = log.lines.find((l) => l.rule === legacyId);
    expect(line).toMatchObject({
      level: 40,
      msg: 'a stored rule has a pattern part that can never match; saving this pattern now would be refused',
      name: 'legacy',
    });
    expect(line!.reason).toContain('/pattern/$or/0/subject/0');
    // Saving the pattern is refused at that element, as the warning says, also unchanged.
    const again = await t.api.patch(`${BASE}/rules/legacy`, { pattern: one.body.pattern });
    expect(again.status).toBe(400);
    expect(again.text).toContain('/pattern/$or/0/subject/0');
  });

  it('can still be described, renamed and disabled without touching its pattern, which keeps its warning', async () => {
    const described = await t.api.patch(`${BASE}/rules/legacy`, { description: 'touched', enabled: false });
    expect(described.status, described.text).toBe(200);
    expect(described.body).toMatchObject({ description: 'touched', enabled: false });
    const renamed = await t.api.patch(`${BASE}/rules/legacy`, { name: 'legacy-renamed' });
    expect(renamed.status, renamed.text).toBe(200);
    const read = await t.api.get(`${BASE}/rules/legacy-renamed`);
    expect(read.body).toMatchObject({ enabled: false, description: 'touched' });
    expect(read.body.warnings).toEqual([expect.stringContaining('/pattern/$or/0/subject/0')]);
    // Disabled, it routes nothing more.
    const published = await t.api.post(`${BASE}/events`, { type: 'legacy.made', data: {} });
    expect(published.status, published.text).toBe(200);
    const event = await eventually(async () => {
      const e = (await t.api.get(`${BASE}/events/${published.body.eventId}`)).body;
      return e.status === 'pending' ? undefined : e;
    });
    expect(event.actions).toEqual([]);
  });
});

// A pattern an older release accepted that no longer compiles at all: the release of 6 December 2026 read a `cidr`
// block with a leading zero in a part (192.168.001.0/24) as 192.168.1.0/24, and today's refuses it. Such a rule is left
// out of routing (the rest of the org's rules still route), so it routes nothing: its reads must say so, not show a
// rule that looks fine.
describe('a rule stored with a pattern that no longer compiles', () => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'eventhook-legacy-cidr-'));

  beforeAll(async () => {
    // The database that release (schema up to 023) left, with the rule row as it wrote it.
    const path = join(dir, 'eventhook.db');
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(path) }) });
    await migrateTo(db, { blob: 'blob' }, '023-audit-log');
    await db
      .insertInto('orgs' as never)
      .values({ slug: 'default', name: 'Default', created_at: 1796686242000 } as never)
      .execute();
    await db
      .insertInto('rules' as never)
      .values({
        id: 'rule_01M99DGR8FAJFR2ND87R4TY4QH',
        org: 'default',
        name: 'office-ips',
        description: '',
        enabled: 1,
        pattern: '{"data":{"ip":[{"cidr":"192.168.001.0/24"}]}}',
        filter: null,
        targets: '[{"type":"task","kind":"office"}]',
        created_at: 1796686242063,
        updated_at: 1796686242063,
        deleted_at: null,
      } as never)
      .execute();
    await db.destroy();
    t = await startTestApp('sqlite', { databaseUrl: `sqlite:${path}` });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers its reads with a warning that it routes nothing until the pattern is fixed', async () => {
    const warning =
      '/pattern/data/ip/0/cidr: Invalid IP address: 192.168.001.0 (this pattern no longer compiles: the rule routes ' +
      'nothing until it is fixed, and saving this pattern now would be refused)';
    const one = await t.api.get(`${BASE}/rules/office-ips`);
    expect(one.status, one.text).toBe(200);
    expect(one.body.warnings).toEqual([warning]);
    const list = await t.api.get(`${BASE}/rules`);
    expect(list.body.items.map((r: any) => r.warnings)).toEqual([[warning]]);

    // As it says: an event the release that saved it routed is routed nowhere now.
    const published = await t.api.post(`${BASE}/events`, { type: 'login', data: { ip: '192.168.1.7' } });
    expect(published.status, published.text).toBe(200);
    const event = await eventually(async () => {
      const e = (await t.api.get(`${BASE}/events/${published.body.eventId}`)).body;
      return e.status === 'pending' ? undefined : e;
    });
    expect(event.status).toBe('unrouted');
  });
});
