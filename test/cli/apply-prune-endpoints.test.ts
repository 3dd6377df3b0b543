// `apply --prune` and endpoints that rules deliver to: the server refuses to delete an endpoint a rule names, so the
// plan creates endpoints before the rules that name them and retargets or deletes rules before the endpoints they
// named, and a file that would leave a rule delivering to a pruned endpoint is refused before anything is sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { runCli, serverEnv, tempDir } from './helpers.js';

const API = '/api/orgs/default/eventhook';

const endpoint = (slug: string) => `  - slug: ${slug}
    url: https://${slug}.example.com/hooks
    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw`;
const rule = (name: string, slug: string) => `  - name: ${name}
    pattern: { type: ["order.paid"] }
    targets: [{ type: webhook, endpoint: ${slug} }]`;

describe('eventhook apply --prune with endpoints in use', { timeout: 120_000 }, () => {
  let t: TestApp;
  let env: Record<string, string>;
  const files = tempDir();
  const slugs = async () =>
    ((await t.api.get(`${API}/endpoints`)).body.items as { slug: string }[]).map((e) => e.slug);

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    env = serverEnv(t);
    const file = files.write(
      'v1.yaml',
      `endpoints:\n${endpoint('shipping-svc')}\nrules:\n${rule('ship-paid', 'shipping-svc')}\n`,
    );
    const applied = await runCli(['apply', '-f', file], env);
    expect(applied.code, applied.stderr).toBe(0);
  }, 120_000);
  afterAll(() => t?.close());

  it('refuses, before changing anything, a file that prunes an endpoint a rule keeps delivering to', async () => {
    // The rules section is missing, so ship-paid stays on the server, still naming the endpoint.
    const noRules = files.write('no-rules.yaml', 'endpoints: []\n');
    const stderr =
      'eventhook: rule ship-paid (on the server, not in the file) delivers to endpoint shipping-svc, which --prune would delete; keep the endpoint in the file, or change or delete the rule\n';
    for (const extra of [['--dry-run'], []])
      expect(await runCli(['apply', '-f', noRules, '--prune', ...extra], env)).toEqual({
        code: 1,
        stdout: '',
        stderr,
      });
    // The rule is in the file, unchanged, and the endpoint is not.
    const kept = files.write('kept.yaml', `endpoints: []\nrules:\n${rule('ship-paid', 'shipping-svc')}\n`);
    expect(await runCli(['apply', '-f', kept, '--prune', '--dry-run'], env)).toMatchObject({
      code: 1,
      stderr: `eventhook: ${kept}:5 rules[0].targets[0].endpoint: endpoint shipping-svc is not in the file, and --prune would delete it\n`,
    });
    expect(await slugs()).toEqual(['shipping-svc']);
  });

  it('retargets the rule to a new endpoint, then deletes the old one, in that order', async () => {
    const moved = files.write(
      'moved.yaml',
      `endpoints:\n${endpoint('fulfilment')}\nrules:\n${rule('ship-paid', 'fulfilment')}\n`,
    );
    const dry = await runCli(['apply', '-f', moved, '--prune', '--dry-run'], env);
    expect(dry.stdout).toBe(
      [
        '+ endpoint fulfilment',
        '~ rule ship-paid',
        '    targets[0].endpoint: "shipping-svc" → "fulfilment"',
        '- endpoint shipping-svc',
        '1 to create, 1 to update, 1 to delete (org default).',
        '',
      ].join('\n'),
    );
    const applied = await runCli(['apply', '-f', moved, '--prune'], env);
    expect(applied.code, applied.stderr).toBe(0);
    expect(await slugs()).toEqual(['fulfilment']);
  });

  it('deletes the rules before the endpoints they deliver to', async () => {
    const empty = files.write('empty.yaml', 'endpoints: []\nrules: []\n');
    const applied = await runCli(['apply', '-f', empty, '--prune'], env);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('- rule ship-paid\n- endpoint fulfilment\n');
    expect(await slugs()).toEqual([]);
  });
});
