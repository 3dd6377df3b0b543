// `eventhook apply` with a `grants:` section, as a user runs it: a real server, the CLI as a child process. A grant is
// matched by its org (a grant alike, same set of types in any order, first): applying creates the missing ones, again
// changes nothing, changed types or description update the grant in place, a grant added or removed is created or
// (with --prune) deleted, and the grants really let another org's event_bus target publish.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { runCli, runJson, serverEnv, tempDir } from './helpers.js';

const api = (org: string) => `/api/orgs/${org}/eventhook`;

const V1 = `org: ledger
grants:
  - from: billing
    types: [order.*, invoice.paid]
    description: billing's orders and paid invoices
  - from: shop
`;

describe('eventhook apply: grants', { timeout: 120_000 }, () => {
  let t: TestApp;
  const files = tempDir();
  const file = files.write('grants.yaml', V1);
  let env: Record<string, string>;

  const grants = async () =>
    ((await t.api.get(`${api('ledger')}/grants`)).body.items as Record<string, any>[]).map((g) => ({
      id: g.id as string,
      fromOrg: g.fromOrg as string,
      eventTypes: g.eventTypes as string[] | null,
    }));
  /** Publishes an event into billing, whose rule forwards everything to ledger; the one action once settled. */
  const forward = async (type: string) => {
    const res = await t.api.post(`${api('billing')}/events`, { type, data: { n: 1 } });
    expect(res.status, res.text).toBe(200);
    return eventually(
      async () => {
        const e = (await t.api.get(`${api('billing')}/events/${res.body.eventId}`)).body;
        const [action] = e.actions ?? [];
        return action && ['succeeded', 'dead'].includes(action.status) ? action : undefined;
      },
      15_000,
      `the ${type} action to settle`,
    );
  };

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    env = serverEnv(t);
    for (const slug of ['ledger', 'billing', 'shop'])
      expect((await t.api.post('/api/orgs', { slug })).status).toBe(201);
    const rule = await t.api.post(`${api('billing')}/rules`, {
      name: 'to-ledger',
      pattern: { source: [{ prefix: 'app:' }] },
      targets: [{ type: 'event_bus', org: 'ledger' }],
    });
    expect(rule.status, rule.text).toBe(201);
  });
  afterAll(() => t?.close());

  it('creates the missing grants, which let billing’s event_bus target publish the granted types', async () => {
    const dry = await runCli(['apply', '-f', file, '--dry-run'], env);
    expect(dry.stderr).toBe('');
    expect(dry.stdout).toBe(
      [
        '+ grant billing: invoice.paid, order.*',
        '+ grant shop: every type',
        '2 to create, 0 to update, 0 to delete (org ledger).',
        '',
      ].join('\n'),
    );
    expect(await grants()).toEqual([]);
    expect((await forward('order.created')).status).toBe('dead');

    const applied = await runCli(['apply', '-f', file], env);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Applied 2 changes to org ledger.');
    expect(await grants()).toEqual([
      expect.objectContaining({ fromOrg: 'billing', eventTypes: ['invoice.paid', 'order.*'] }),
      expect.objectContaining({ fromOrg: 'shop', eventTypes: null }),
    ]);
    const [billing] = (await t.api.get(`${api('ledger')}/grants`)).body.items;
    expect(billing.description).toBe("billing's orders and paid invoices");

    const action = await forward('order.created');
    expect(action.status, action.lastError).toBe('succeeded');
    expect(action.result.org).toBe('ledger');
    const landed = await t.api.get(`${api('ledger')}/events/${action.result.eventId}`);
    expect(landed.body).toMatchObject({ type: 'order.created', source: 'org:billing' });
    const refused = await forward('invoice.refunded');
    expect(refused.status).toBe('dead');
    expect(refused.lastError).toBe(
      'Org ledger has no grant letting org billing publish invoice.refunded events into it',
    );
  });

  it('applying again, with the types in another order, changes nothing', async () => {
    files.write('grants.yaml', V1.replace('[order.*, invoice.paid]', '[invoice.paid, order.*, order.*]'));
    const dry = await runCli(['apply', '-f', file, '--dry-run'], env);
    expect(dry.stdout).toBe('No changes: org ledger matches the file.\n');
    expect(await runJson(['apply', '-f', file, '--prune'], env)).toMatchObject({
      dryRun: false,
      changes: [],
      unchanged: 2,
      unmanaged: [],
    });
    expect(await grants()).toHaveLength(2);
  });

  it('changed types or description update the grant in place, which the next publication meets', async () => {
    const [billing, shop] = await grants();
    const changed = V1.replace('[order.*, invoice.paid]', '[order.*, invoice.*]').replace(
      "billing's orders and paid invoices",
      "billing's orders and invoices",
    );
    files.write('grants.yaml', changed);
    const dry = await runCli(['apply', '-f', file, '--dry-run'], env);
    expect(dry.stdout).toBe(
      [
        `~ grant billing (${billing!.id})`,
        '    eventTypes[0]: "invoice.paid" → "invoice.*"',
        `    description: "billing's orders and paid invoices" → "billing's orders and invoices"`,
        '0 to create, 1 to update, 0 to delete (org ledger).',
        '',
      ].join('\n'),
    );
    expect((await runJson(['apply', '-f', file, '--dry-run'], env)).changes).toEqual([
      {
        action: 'update',
        kind: 'grant',
        key: `billing (${billing!.id})`,
        ref: billing!.id,
        fields: [
          { path: 'eventTypes[0]', before: 'invoice.paid', after: 'invoice.*' },
          {
            path: 'description',
            before: "billing's orders and paid invoices",
            after: "billing's orders and invoices",
          },
        ],
        rotated: [],
      },
    ]);
    const applied = await runCli(['apply', '-f', file], env);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`~ grant billing (${billing!.id})\n`);
    expect(applied.stdout).toContain('Applied 1 change to org ledger.');
    // The same grants, changed: none created, none deleted.
    expect(await grants()).toEqual([
      { id: billing!.id, fromOrg: 'billing', eventTypes: ['invoice.*', 'order.*'] },
      shop,
    ]);
    const saved = await t.api.get(`${api('ledger')}/grants/${billing!.id}`);
    expect(saved.body.description).toBe("billing's orders and invoices");
    expect((await forward('invoice.refunded')).status).toBe('succeeded');
    expect((await runCli(['apply', '-f', file, '--dry-run'], env)).stdout).toBe(
      'No changes: org ledger matches the file.\n',
    );

    // Every type, and back: null in the patch, not an omitted field.
    files.write(
      'grants.yaml',
      changed.replace('\n  - from: shop\n', '\n  - from: shop\n    types: [cart.*]\n'),
    );
    const narrowed = await runJson(['apply', '-f', file], env);
    expect(narrowed.changes).toEqual([
      expect.objectContaining({
        action: 'update',
        ref: shop!.id,
        fields: [{ path: 'eventTypes', before: null, after: ['cart.*'] }],
      }),
    ]);
    expect((await grants())[1]).toEqual({ id: shop!.id, fromOrg: 'shop', eventTypes: ['cart.*'] });
    files.write('grants.yaml', changed);
    const widened = await runJson(['apply', '-f', file], env);
    expect(widened.changes[0].fields).toEqual([{ path: 'eventTypes', before: ['cart.*'], after: null }]);
    expect((await grants())[1]).toEqual(shop);
  });

  it('a grant added or removed is created or deleted; a second grant for one org is a grant of its own', async () => {
    const [billing, shop] = await grants();
    files.write(
      'grants.yaml',
      `org: ledger
grants:
  - from: billing
    types: [invoice.*, order.*]
  - from: billing
    types: [refund.created]
`,
    );
    const dry = await runCli(['apply', '-f', file, '--dry-run'], env);
    expect(dry.stdout).toBe(
      [
        '+ grant billing: refund.created',
        '1 to create, 0 to update, 0 to delete (org ledger).',
        `Not in the file, kept (--prune deletes): grant shop: every type (${shop!.id})`,
        '',
      ].join('\n'),
    );
    const pruneDry = await runJson(['apply', '-f', file, '--prune', '--dry-run'], env);
    expect(pruneDry.changes).toEqual([
      { action: 'create', kind: 'grant', key: 'billing: refund.created' },
      { action: 'delete', kind: 'grant', key: `shop: every type (${shop!.id})`, ref: shop!.id },
    ]);
    const pruned = await runCli(['apply', '-f', file, '--prune'], env);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain(`- grant shop: every type (${shop!.id})\n`);
    const after = await grants();
    expect(after).toEqual([
      { id: billing!.id, fromOrg: 'billing', eventTypes: ['invoice.*', 'order.*'] },
      { id: expect.stringMatching(/^grt_/), fromOrg: 'billing', eventTypes: ['refund.created'] },
    ]);
    expect((await forward('refund.created')).status).toBe('succeeded');

    // One grant for billing left in the file, with other types: the oldest is changed, the other is no longer named.
    files.write('grants.yaml', 'org: ledger\ngrants:\n  - { from: billing, types: [order.*] }\n');
    const narrowed = await runJson(['apply', '-f', file, '--dry-run'], env);
    expect(narrowed.changes).toEqual([expect.objectContaining({ action: 'update', ref: billing!.id })]);
    expect(narrowed.unmanaged).toEqual([
      { kind: 'grant', key: `billing: refund.created (${after[1]!.id})`, ref: after[1]!.id },
    ]);
  });

  it('refuses a bad grants section with the line and path, before sending anything', async () => {
    const before = await grants();
    const bad = files.write(
      'bad.yaml',
      'org: ledger\ngrants:\n  - from: billing\n    types:\n      - order.created\n      - bil*ing\n',
    );
    const refused = await runCli(['apply', '-f', bad], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `eventhook: ${bad}:6 grants[0].types[1]: bil*ing is neither an event type nor a prefix pattern such as billing.* (a * may only end a pattern, after a dot)\n`,
    );
    // An org the server does not know is refused by the server, naming the entry.
    const unknown = files.write('unknown.yaml', 'org: ledger\ngrants:\n  - from: nowhere\n');
    const failed = await runCli(['apply', '-f', unknown], env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe(
      `eventhook: ${unknown}:3 grants[0] (nowhere: every type): create failed [EH_GRANT_INVALID]\n  ${unknown}:3 grants[0].from: org nowhere does not exist\n`,
    );
    expect(await grants()).toEqual(before);
  });

  it('`grants: []` with --prune takes every grant back; a file without the section leaves them', async () => {
    files.write('grants.yaml', 'org: ledger\nrules: []\n');
    expect(await runJson(['apply', '-f', file, '--prune', '--dry-run'], env)).toMatchObject({
      changes: [],
    });
    files.write('grants.yaml', 'org: ledger\ngrants: []\n');
    const pruned = await runJson(['apply', '-f', file, '--prune'], env);
    expect(pruned.changes.map((c: { action: string; kind: string }) => `${c.action} ${c.kind}`)).toEqual([
      'delete grant',
      'delete grant',
    ]);
    expect(await grants()).toEqual([]);
    expect((await forward('order.created')).status).toBe('dead');
  });
});
