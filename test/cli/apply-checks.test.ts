// apply checks a file as the server will before sending anything, so `--dry-run` finds what a real apply would be
// refused for; and what only the server can refuse is reported at the file's line and field, not as "Bad Request".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { runCli, serverEnv, tempDir } from './helpers.js';

const API = '/api/orgs/default/eventhook';

describe('eventhook apply checks', { timeout: 120_000 }, () => {
  let t: TestApp;
  let env: Record<string, string>;
  const files = tempDir();

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    env = serverEnv(t);
    const rule = await t.api.post(`${API}/rules`, {
      name: 'pushes',
      pattern: { type: ['push'] },
      targets: [{ type: 'workflow', kind: 'on-push' }],
    });
    expect(rule.status, rule.text).toBe(201);
  });
  afterAll(() => t?.close());

  const rule = async () => (await t.api.get(`${API}/rules/pushes`)).body;

  it('a typo in a target field fails the dry run and the apply, at its line, before anything is sent', async () => {
    const before = await rule();
    const flat = files.write(
      'flat.yaml',
      'rules:\n  - name: pushes\n    pattern: { type: [push] }\n    targets:\n      - type: workflow\n        kindd: on-push\n',
    );
    const wrapped = files.write(
      'wrapped.yaml',
      'rules:\n  - name: pushes\n    pattern: { type: [push] }\n    targets:\n      - type: workflow\n        config: { kind: on-push, queu: fast }\n',
    );
    const fields = 'type, kind, queue, idempotencyKey, metadata, input, retry';
    for (const args of [[], ['--dry-run']]) {
      expect({ args, ...(await runCli(['apply', '-f', flat, ...args], env)) }).toEqual({
        args,
        code: 1,
        stdout: '',
        stderr: `eventhook: ${flat}:5 rules[0].targets[0].kind: is required\n  ${flat}:6 rules[0].targets[0].kindd: is not a field of workflow targets (${fields})\n`,
      });
      expect({ args, ...(await runCli(['apply', '-f', wrapped, ...args], env)) }).toEqual({
        args,
        code: 1,
        stdout: '',
        stderr: `eventhook: ${wrapped}:6 rules[0].targets[0].config.queu: is not a field of workflow targets (${fields})\n`,
      });
    }
    expect(await rule()).toEqual(before);
  });

  it('a webhook target names an endpoint the server has or the file makes, checked in the dry run', async () => {
    const missing = files.write(
      'missing-endpoint.yaml',
      'rules:\n  - name: to-billing\n    pattern: { type: [invoice.paid] }\n    targets:\n      - type: webhook\n        endpoint: billing\n',
    );
    for (const args of [[], ['--dry-run']]) {
      expect({ args, ...(await runCli(['apply', '-f', missing, ...args], env)) }).toEqual({
        args,
        code: 1,
        stdout: '',
        stderr: `eventhook: ${missing}:6 rules[0].targets[0].endpoint: endpoint billing does not exist, on the server or in the file\n`,
      });
    }
    expect((await t.api.get(`${API}/rules/to-billing`)).status).toBe(404);
    // Made by the same file: endpoints are created before rules.
    const both = files.write(
      'with-endpoint.yaml',
      'endpoints:\n  - slug: billing\n    url: https://example.com/billing\nrules:\n  - name: to-billing\n    pattern: { type: [invoice.paid] }\n    targets:\n      - type: webhook\n        endpoint: billing\n',
    );
    const applied = await runCli(['apply', '-f', both], env);
    expect(applied.code, applied.stderr).toBe(0);
    expect((await t.api.get(`${API}/rules/to-billing`)).status).toBe(200);
  });

  it('the dry run checks filters, JMESPath, providers and source settings as the server does', async () => {
    const cases: [string, string, string][] = [
      [
        'filter.yaml',
        'rules:\n  - name: pushes\n    pattern: { type: [push] }\n    filter: "function filter(e) { return e."\n    targets: [{ type: workflow, kind: on-push }]\n',
        ':4 rules[0].filter: SyntaxError: ',
      ],
      [
        'jmespath.yaml',
        'rules:\n  - name: pushes\n    pattern: { type: [push] }\n    targets:\n      - { type: promise, mode: resolve, promise: "a[[" }\n',
        ':5 rules[0].targets[0].promise: Syntax error',
      ],
      [
        'provider.yaml',
        'sources:\n  - slug: gh\n    provider: githb\n    secret: s\n',
        ':3 sources[0].provider: unknown provider "githb" (`eventhook list providers` lists them)',
      ],
      [
        'settings.yaml',
        'sources:\n  - slug: gh\n    provider: github\n    secret: s\n    rateLimit: { perSecnd: 5 }\n',
        ':5 sources[0].rateLimit.perSecnd: is not a field of rateLimit (perSecond, burst)',
      ],
    ];
    for (const [name, text, error] of cases) {
      const file = files.write(name, text);
      const r = await runCli(['apply', '-f', file, '--dry-run'], env);
      expect({ name, code: r.code, stdout: r.stdout }).toEqual({ name, code: 1, stdout: '' });
      expect(r.stderr).toMatch(/^eventhook: /);
      expect(r.stderr).toContain(`${file}${error}`);
    }
  });

  it('values apply converts (a ${VAR} is a string, the API takes a number) are not refused', async () => {
    const file = files.write(
      'env.yaml',
      'rules:\n  - name: pushes\n    pattern: { type: [push] }\n    targets:\n      - type: workflow\n        config: { kind: on-push, retry: { maxAttempts: "${CHECKS_ATTEMPTS:-3}" } }\n',
    );
    const dry = await runCli(['apply', '-f', file, '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('~ rule pushes\n');
    const applied = await runCli(['apply', '-f', file], env);
    expect(applied.code, applied.stderr).toBe(0);
    expect((await rule()).targets[0].retry).toEqual({ maxAttempts: 3 });
  });

  it('a source setting written as ${VAR} is sent as the number it takes', async () => {
    const file = files.write(
      'env-source.yaml',
      'sources:\n  - slug: gh-env\n    provider: github\n    secret: s\n    dedupWindowSeconds: "${CHECKS_WINDOW:-3600}"\n',
    );
    const applied = await runCli(['apply', '-f', file], env);
    expect(applied.code, applied.stderr).toBe(0);
    expect((await t.api.get(`${API}/sources/gh-env`)).body.dedupWindowSeconds).toBe(3600);
    // Applied again, the number on the server is what the file says: nothing to change.
    const again = await runCli(['apply', '-f', file, '--dry-run'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toContain('~ source gh-env');
  });

  it("an endpoint's numbers and a rule's enabled given by ${VAR} are sent as numbers and booleans", async () => {
    const file = files.write(
      'env-endpoint.yaml',
      'endpoints:\n  - slug: slow\n    url: https://example.com/slow\n    timeoutMs: "${CHECKS_TIMEOUT:-5000}"\n    maxConcurrency: "${CHECKS_CONCURRENCY:-3}"\n' +
        'rules:\n  - name: to-slow\n    enabled: "${CHECKS_ENABLED:-false}"\n    pattern: { type: [slow.test] }\n    targets: [{ type: webhook, endpoint: slow }]\n',
    );
    const r = await runCli(['apply', '-f', file], env);
    expect(r.code, r.stderr).toBe(0);
    expect((await t.api.get(`${API}/endpoints/slow`)).body).toMatchObject({
      timeoutMs: 5000,
      maxConcurrency: 3,
    });
    expect((await t.api.get(`${API}/rules/to-slow`)).body.enabled).toBe(false);
    const again = await runCli(['apply', '-f', file, '--dry-run'], env);
    expect(again.stdout).toContain('No changes');
  });

  it('an unknown top-level field is refused before anything is sent, in a dry run too', async () => {
    const file = files.write(
      'top.yaml',
      'rules:\n  - name: pushes\n    descripton: runs on-push\n    pattern: { type: [push] }\n    targets: [{ type: workflow, kind: on-push }]\n',
    );
    for (const args of [
      ['apply', '-f', file, '--dry-run'],
      ['apply', '-f', file],
    ]) {
      expect(await runCli(args, env)).toEqual({
        code: 1,
        stdout: '',
        stderr: `eventhook: ${file}:3 rules[0].descripton: is not a known field (did you mean description?)\n`,
      });
    }
  });

  it("a rule's or source's top-level value the API refuses fails the dry run too, at its line", async () => {
    const cases = [
      [
        'rules:\n  - name: pushes\n    enabled: "yes"\n    pattern: { type: [push] }\n    targets: [{ type: workflow, kind: on-push }]\n',
        ':3 rules[0].enabled: Expected boolean',
      ],
      [
        'sources:\n  - slug: Git Hub\n    provider: github\n    secret: s\n',
        ":2 sources[0].slug: Expected string to match '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'",
      ],
      [
        'sources:\n  - slug: hub\n    provider: 42\n    secret: s\n',
        ':3 sources[0].provider: Expected string',
      ],
    ] as const;
    for (const [i, [text, error]] of cases.entries()) {
      const file = files.write(`top-value-${i}.yaml`, text);
      for (const dryRun of [['--dry-run'], []]) {
        expect(await runCli(['apply', '-f', file, ...dryRun], env)).toEqual({
          code: 1,
          stdout: '',
          stderr: `eventhook: ${file}${error}\n`,
        });
      }
    }
  });

  it('a new source without what its provider requires fails the dry run, an existing one is not asked again', async () => {
    const cases = [
      [
        'sources:\n  - slug: pay\n    provider: stripe\n',
        ':2 sources[0].secret: is required: the secret Stripe shows (Stripe issues it)',
      ],
      [
        'sources:\n  - slug: sq\n    provider: square\n    secret: s\n',
        ':2 sources[0].options.notificationUrl: is required (a non-empty string)',
      ],
      [
        'sources:\n  - slug: bare\n    rateLimit: { perSecond: 5 }\n',
        ':2 sources[0].verifier: is required when no provider is given (or use provider: "custom")',
      ],
    ] as const;
    for (const [i, [text, error]] of cases.entries()) {
      const file = files.write(`new-source-${i}.yaml`, text);
      expect(await runCli(['apply', '-f', file, '--dry-run'], env)).toEqual({
        code: 1,
        stdout: '',
        stderr: `eventhook: ${file}${error}\n`,
      });
    }
    // Where you choose the secret (GitHub), a file may leave it out: the server makes one, shown once by apply.
    const hub = files.write('new-source-hub.yaml', 'sources:\n  - slug: hub\n    provider: github\n');
    const dry = await runCli(['apply', '-f', hub, '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect((await t.api.get(`${API}/sources/hub`)).status).toBe(404);
    const applied = await runCli(['apply', '-f', hub], env);
    expect(applied.code, applied.stderr).toBe(0);
    const shown = /generated secret \(shown once\): (\S+)/.exec(applied.stdout);
    expect(shown, applied.stdout).not.toBeNull();
    const hubSource = await t.api.get(`${API}/sources/hub`);
    expect(hubSource.body).toMatchObject({ provider: 'github', secretChosenBy: 'user' });
    expect(hubSource.body.secrets).toHaveLength(1);
    expect(hubSource.text).not.toContain(shown![1]);
    const again = await runCli(['apply', '-f', hub], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes');
    expect(again.stdout).not.toContain('generated secret');
    // Its secret is never sent again (only with --rotate-secrets), so a file may leave it out.
    const made = await t.api.post(`${API}/sources`, { slug: 'paid', provider: 'stripe', secret: 'whsec_x' });
    expect(made.status, made.text).toBe(201);
    const file = files.write('existing-source.yaml', 'sources:\n  - slug: paid\n    provider: stripe\n');
    const r = await runCli(['apply', '-f', file, '--dry-run'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('No changes');
  });

  it('a field only the server refuses is named at its line, with the server’s reason', async () => {
    const file = files.write(
      'server-only.yaml',
      'endpoints:\n  - slug: hasty\n    url: https://example.com/hasty\n    timeoutMs: 5\n',
    );
    const r = await runCli(['apply', '-f', file], env);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: `eventhook: ${file}:2 endpoints[0] (hasty): create failed [EH_REQUEST_INVALID]\n  ${file}:4 endpoints[0].timeoutMs: must be >= 100\n`,
    });
  });
});
