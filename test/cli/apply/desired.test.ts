// The desired state an apply file describes: identity, target flattening, secrets kept out of comparisons, and
// precise errors (file:line and path) for bad files.
import { describe, expect, it } from 'vitest';
import { desiredState } from '../../../src/cli/apply/desired.js';
import { parseText } from '../../../src/cli/apply/load-file.js';

const load = (yaml: string, env: Record<string, string> = {}) =>
  desiredState(parseText(yaml, 'eh.yaml'), env);
const failure = async (yaml: string, env: Record<string, string> = {}) => {
  try {
    await load(yaml, env);
  } catch (err) {
    const e = err as Error & { details?: string[] };
    return [e.message, ...(e.details ?? [])].join('\n');
  }
  throw new Error('expected an error');
};

describe('desiredState', () => {
  it('flattens `config:` in targets (the roadmap form) and keeps flat targets as they are', async () => {
    const d = await load(`
rules:
  - name: r
    pattern: { type: [a] }
    targets:
      - { type: workflow, config: { kind: vip-handler }, retry: { maxAttempts: 3 } }
      - { type: webhook, config: { endpoint: analytics-service } }
      - { type: task, kind: flat }
      - { type: event_bus, config: { type: billing.charge, source: billing } }
`);
    expect(d.items[0]!.body.targets).toEqual([
      { type: 'workflow', kind: 'vip-handler', retry: { maxAttempts: 3 } },
      { type: 'webhook', endpoint: 'analytics-service' },
      { type: 'task', kind: 'flat' },
      // SPEC §7's form: an event_bus config's `type` is the new event's, `eventType` flat.
      { type: 'event_bus', eventType: 'billing.charge', source: 'billing' },
    ]);
    expect(d.items[0]!.compared).not.toHaveProperty('name');
  });

  it('keeps secrets out of what is compared, but in what a create sends', async () => {
    const d = await load(
      `
sources:
  - { slug: gh, provider: github, secret: "\${GH}" }
  - { slug: c, verifier: { type: hmac, header: X-Sig, secret: abc } }
endpoints:
  - { slug: e, url: "https://x.example", secret: whsec_abc, auth: { type: basic, username: u, password: p } }
`,
      { GH: 'gh-secret' },
    );
    const [e, gh, c] = d.items;
    expect(d.kinds).toEqual(['endpoints', 'sources']);
    expect(gh).toMatchObject({
      key: 'gh',
      body: { secret: 'gh-secret' },
      compared: { provider: 'github' },
      secrets: { secret: 'gh-secret' },
    });
    expect(gh!.compared).not.toHaveProperty('secret');
    expect(c!.compared).toEqual({ verifier: { type: 'hmac', header: 'X-Sig' } });
    expect(c!.body.verifier).toEqual({ type: 'hmac', header: 'X-Sig', secret: 'abc' });
    expect(e!.compared).toEqual({ url: 'https://x.example', auth: { type: 'basic', username: 'u' } });
    expect(e!.secrets).toEqual({
      secrets: ['whsec_abc'],
      auth: { type: 'basic', username: 'u', password: 'p' },
    });
    // Endpoints take secrets as a list; one `secret:` is the one-element list.
    expect(e!.body).toMatchObject({ secrets: ['whsec_abc'], auth: { password: 'p' } });
    expect(e!.body).not.toHaveProperty('secret');
  });

  it('compares a provider’s secret options (Meta verifyToken) without their values, which rotation re-sends', async () => {
    const d = await load(`
sources:
  - { slug: meta, provider: meta, secret: s, options: { verifyToken: vt, other: 1 } }
  - { slug: sq, provider: square, secret: s, options: { notificationUrl: "https://x.example/in" } }
`);
    const [meta, square] = d.items;
    expect(meta!.compared.options).toEqual({ other: 1 });
    expect(meta!.secrets).toEqual({ secret: 's', options: { verifyToken: 'vt', other: 1 } });
    expect(meta!.body.options).toEqual({ verifyToken: 'vt', other: 1 });
    // Options that are not secrets are compared as they are.
    expect(square!.compared.options).toEqual({ notificationUrl: 'https://x.example/in' });
    expect(square!.secrets).toEqual({ secret: 's' });
  });

  it('an empty section is named (so --prune empties it); an absent one is not', async () => {
    expect((await load('rules: []\n')).kinds).toEqual(['rules']);
    expect((await load('rules:\n')).kinds).toEqual(['rules']);
    expect((await load('sources: []\n')).kinds).toEqual(['sources']);
  });

  it('grants: known by org and set of types in any order, types and description compared; none or an empty list is every type', async () => {
    const d = await load(`
org: ledger
grants:
  - { from: billing, types: [order.*, invoice.paid, order.*], description: refunds }
  - { fromOrg: shop, eventTypes: [cart.created] }
  - { from: audit }
  - { from: archive, types: [] }
`);
    expect(d.kinds).toEqual(['grants']);
    expect(d.items.map((i) => [i.key, i.body])).toEqual([
      [
        'billing: invoice.paid, order.*',
        { fromOrg: 'billing', eventTypes: ['invoice.paid', 'order.*'], description: 'refunds' },
      ],
      ['shop: cart.created', { fromOrg: 'shop', eventTypes: ['cart.created'] }],
      ['audit: every type', { fromOrg: 'audit' }],
      ['archive: every type', { fromOrg: 'archive' }],
    ]);
    // Compared with the server's: the sorted types (null: every type), the description only when given.
    expect(d.items.map((i) => i.compared)).toEqual([
      { eventTypes: ['invoice.paid', 'order.*'], description: 'refunds' },
      { eventTypes: ['cart.created'] },
      { eventTypes: null },
      { eventTypes: null },
    ]);
    const reordered = await load('grants:\n  - { from: billing, types: [invoice.paid, order.*] }\n');
    expect(reordered.items[0]!.identity).toBe(d.items[0]!.identity);
    expect(d.items[2]!.identity).not.toBe(d.items[3]!.identity);
  });

  it('reports a bad grants section with file:line and path', async () => {
    const cases: [string, string][] = [
      ['grants: { from: a }\n', 'eh.yaml:1 grants: must be a list of grants'],
      ['grants:\n  - billing\n', 'eh.yaml:2 grants[0]: must be a mapping'],
      [
        'grants:\n  - types: [a.b]\n',
        'eh.yaml:2 grants[0].from: is required: the slug of the org allowed to publish into this one',
      ],
      ['grants:\n  - from: Not A Slug\n', 'eh.yaml:2 grants[0].from: "Not A Slug" is not an org slug'],
      [
        'org: ledger\ngrants:\n  - from: ledger\n',
        'eh.yaml:3 grants[0].from: an org needs no grant to publish into itself',
      ],
      [
        'grants:\n  - from: a\n    types: order.*\n',
        'eh.yaml:3 grants[0].types: must be a list of event types (order.created) or prefix patterns (billing.*); omit it for every type',
      ],
      [
        'grants:\n  - from: a\n    types:\n      - ok\n      - bil*ing\n',
        'eh.yaml:5 grants[0].types[1]: bil*ing is neither an event type nor a prefix pattern such as billing.* (a * may only end a pattern, after a dot)',
      ],
      [
        'grants:\n  - from: a\n    types: [1]\n',
        'eh.yaml:3 grants[0].types[0]: must be an event type or a prefix pattern',
      ],
      [
        'grants:\n  - from: a\n    typs: [x]\n',
        'eh.yaml:3 grants[0].typs: unknown field (a grant takes from, types and description)',
      ],
      [
        'grants:\n  - from: a\n    fromOrg: b\n',
        'eh.yaml:3 grants[0].fromOrg: is the same as from; give it once',
      ],
      [
        'grants:\n  - { from: a, types: [x, y] }\n  - { from: a, types: [y, x, y] }\n',
        'eh.yaml:3 grants[1]: is the same grant as grants[0] (same org, same set of types)',
      ],
      [
        `grants:\n  - from: a\n    types: [${Array.from({ length: 101 }, (_, i) => `t${i}`).join(', ')}]\n`,
        'eh.yaml:3 grants[0].types: lists 101 types; a grant takes at most 100',
      ],
    ];
    for (const [yaml, message] of cases) expect(await failure(yaml), yaml).toBe(message);
  });

  it('ignores the server section, whose variables belong to `eventhook serve`', async () => {
    const d = await load('server: { adminToken: "${UNSET_TOKEN}" }\nrules: []\n');
    expect(d.items).toEqual([]);
  });

  it('refuses a file with nothing to apply, which would otherwise read as matching the org', async () => {
    for (const text of ['', '# nothing yet\n', 'org: acme\n', 'server: { port: 8080 }\n'])
      expect(await failure(text)).toBe(
        'eh.yaml has none of sources, rules, endpoints or grants: nothing to apply (an empty section, e.g. `rules: []`, with --prune deletes them all)',
      );
  });

  it('refuses a rule name that is a rule id, as the server does, before anything is sent', async () => {
    expect(
      await failure(
        'rules:\n  - name: rule_01J00000000000000000000000\n    pattern: { type: [a] }\n    targets: [{ type: task, kind: k }]\n',
      ),
    ).toBe(
      'eh.yaml:2 rules[0].name: is a rule id (rule_…): rules are found by id or name, so a name may not look like an id',
    );
  });

  it('reports bad files with file:line and path', async () => {
    expect(
      await failure('sources:\n  - slug: a\n    secret: ${A_SECRET}\n  - slug: b\n    secret: ${B_SECRET}\n'),
    ).toBe(
      'eh.yaml: environment variables are not set\neh.yaml:3 sources[0].secret: ${A_SECRET} is not set (or empty)\neh.yaml:5 sources[1].secret: ${B_SECRET} is not set (or empty)',
    );
    expect(
      await failure(
        'rules:\n  - name: r\n    pattern: { data: { n: [{ numeric: [">", "x"] }] } }\n    targets: [{ type: task, kind: k }]\n',
      ),
    ).toBe('eh.yaml:3 rules[0].pattern: Invalid pattern at data.n[0].numeric[1]: Value of > must be numeric');
    expect(
      await failure(
        'rules:\n  - name: r\n    pattern: { type: [a] }\n    targets:\n      - type: task\n        kind: k\n        config: { kind: k2 }\n',
      ),
    ).toBe('eh.yaml:7 rules[0].targets[0].config.kind: is also given outside config; give it once');
    expect(
      await failure(
        'rules:\n  - name: r\n    pattern: { type: [a] }\n    targets:\n      - type: event_bus\n        eventType: a.b\n        config: { type: a.c }\n',
      ),
    ).toBe(
      'eh.yaml:7 rules[0].targets[0].config.type: is the new event’s type, also given as eventType; give it once',
    );
    expect(
      await failure(
        'rules:\n  - name: r\n    pattern: { type: [a] }\n    targets: [{ type: task, kind: k }]\n  - name: r\n    pattern: { type: [b] }\n    targets: [{ type: task, kind: k }]\n',
      ),
    ).toBe('eh.yaml:5 rules[1]: name "r" is also used by rules[0]');
    expect(await failure('sources:\n  - provider: github\n')).toBe(
      'eh.yaml:2 sources[0]: needs a slug (a non-empty string): sources are matched by slug',
    );
    expect(await failure('source:\n  - slug: a\n')).toContain('eh.yaml:1 source: unknown section');
    expect(await failure('rules: [\n')).toMatch(/^eh\.yaml is not valid YAML\n/);
    // Found only when the document is turned into data: an alias without its anchor, and aliases that expand too far.
    expect(await failure('rules: *missing\n')).toMatch(/^eh\.yaml is not valid YAML\nUnresolved alias/);
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [i, name] of ['b', 'c', 'd', 'e'].entries()) {
      const prev = String.fromCharCode(97 + i);
      laughs.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    expect(await failure(`${laughs.join('\n')}\n`)).toMatch(
      /^eh\.yaml is not valid YAML\nExcessive alias count/,
    );
  });
});
