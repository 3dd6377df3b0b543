// A rule saved before Eventhook refused patterns that can never match (a header name with capitals, null or a number
// for a text field) is still routed as it was, and its author is told where: the rule's answers carry a warning,
// and the process logs one when it compiles the org's rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
      'matches an event without one (this part of the pattern can never match; saving it now would be refused)';
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
      msg: 'a stored rule has a pattern part that can never match; saving it now would be refused',
      name: 'legacy',
    });
    expect(line!.reason).toContain('/pattern/$or/0/subject/0');
    // Saving it unchanged is refused at that element, as the warning says.
    const again = await t.api.patch(`${BASE}/rules/legacy`, { description: 'touched' });
    expect(again.status).toBe(400);
    expect(again.text).toContain('/pattern/$or/0/subject/0');
  });
});
