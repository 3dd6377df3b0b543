// The client commands as a user runs them — list, get, send, publish, replay, retry, tail, errors and --help — each
// a real child process against a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeadEndRule, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { capturedLogger } from '../helpers/logs.js';
import { startOutbound, stopOutbound, type Receiver } from '../helpers/outbound.js';
import { runCli, runJson, serverEnv, startCli, tempDir } from './helpers.js';

const API = '/api/orgs/default/eventhook';
const STRIPE_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

// Each CLI run is a fresh Node process (about a second with tsx, more on a busy machine).
describe('eventhook client commands', { timeout: 120_000 }, () => {
  let t: TestApp;
  let env: Record<string, string>;
  // Info, for the lines Fastify logs as each request arrives and is answered.
  const log = capturedLogger('info');
  /** How many GETs of `url` the server has answered. */
  const answered = (url: string) => {
    const asked = new Set(
      log.lines
        .filter((l) => l.msg === 'incoming request' && (l.req as { url: string }).url === url)
        .map((l) => l.reqId),
    );
    return log.lines.filter((l) => l.msg === 'request completed' && asked.has(l.reqId)).length;
  };

  beforeAll(async () => {
    t = await startTestApp('sqlite', { logger: log.logger });
    env = serverEnv(t);
    const setup = [
      await t.api.post(`${API}/sources`, { slug: 'github', provider: 'github', secret: 'gh-secret' }),
      await t.api.post(`${API}/sources`, { slug: 'stripe', provider: 'stripe', secret: STRIPE_SECRET }),
      await t.api.post(`${API}/rules`, {
        name: 'pushes',
        pattern: { source: ['webhook:github'], type: ['push'] },
        targets: [{ type: 'workflow', kind: 'on-push' }],
      }),
      // Webhooks to a host that cannot resolve, also with one attempt: that endpoint's own dead-letter queue.
      await t.api.post(`${API}/endpoints`, { slug: 'nowhere', url: 'https://nowhere.invalid/hook' }),
      await t.api.post(`${API}/rules`, {
        name: 'doomed-hooks',
        pattern: { type: ['doomed.hook'] },
        targets: [{ type: 'webhook', endpoint: 'nowhere', retry: { maxAttempts: 1 } }],
      }),
    ];
    for (const r of setup) expect(r.status, r.text).toBe(201);
    // A target that cannot succeed and has one attempt: its actions go straight to the dead-letter queue.
    await createDeadEndRule(t.api, { name: 'doomed', type: 'doomed.thing' });
  });
  afterAll(() => t?.close());

  const actionsOf = async (eventId: string) =>
    (await t.api.get(`${API}/actions?event=${eventId}`)).body.items as {
      id: string;
      status: string;
      targetType: string;
    }[];

  it('list providers says who chooses each secret: you (rotation may make it) or the provider (paste it)', async () => {
    const table = await runCli(['list', 'providers'], env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+VERIFIER\s+REQUIRED\s+SECRET CHOSEN BY\s+NAME\n/);
    expect(table.stdout).toMatch(/\ngithub\s+hmac\s+secret\s+user\s+GitHub\n/);
    expect(table.stdout).toMatch(/\nstripe\s+hmac\s+secret\s+provider\s+Stripe\n/);
    expect(table.stdout).toMatch(/\ngoogle-pubsub\s+jwt\s+audience,serviceAccountEmail\s+none\s+/);
  });

  it('send github posts a correctly signed sample: stored as a push from webhook:github, routed by the rule', async () => {
    const sent = await runJson(['send', 'github', '--secret', 'gh-secret'], env);
    expect(sent).toMatchObject({ status: 200, body: { duplicate: false } });
    const event = (await t.api.get(`${API}/events/${sent.body.eventId}`)).body;
    expect(event).toMatchObject({ type: 'push', source: 'webhook:github' });
    const actions = await eventually(async () =>
      (await actionsOf(event.id)).length === 1 ? actionsOf(event.id) : undefined,
    );
    expect(actions[0]!.targetType).toBe('workflow');

    // The default output is the answer as key: value lines, like every command that shows one object.
    const table = await runCli(['send', 'github', '--secret', 'gh-secret'], env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^status:\s+200\neventId:\s+evt_\w+\nduplicate:\s+false\n$/);

    // A wrong secret is refused by the server, and the CLI says so in one line, with a non-zero exit.
    for (const output of ['table', 'json']) {
      const wrong = await runCli(['send', 'github', '--secret', 'not-the-secret', '-o', output], env);
      expect({ output, ...wrong }).toEqual({
        output,
        code: 1,
        stdout: '',
        stderr:
          'eventhook: source github answered 401: Webhook verification failed [EH_INGEST_UNAUTHORIZED]\n',
      });
    }
  });

  it('send --body re-signs a custom body (Stripe, timestamped key=value signature)', async () => {
    const body = JSON.stringify({
      id: 'evt_cli_1',
      object: 'event',
      type: 'invoice.paid',
      data: { object: { id: 'in_1', amount_paid: 4200 } },
    });
    const sent = await runJson(['send', 'stripe', '--secret', STRIPE_SECRET, '--body', body], env);
    expect(sent.status).toBe(200);
    const event = (await t.api.get(`${API}/events/${sent.body.eventId}`)).body;
    expect(event).toMatchObject({
      type: 'invoice.paid',
      source: 'webhook:stripe',
      data: { data: { object: { amount_paid: 4200 } } },
    });
    const raw = await t.api.get(`${API}/events/${sent.body.eventId}/raw`);
    expect(raw.text).toBe(body);
  });

  it('publish, list and get: JSON is the server’s answer; tables have headers and one row per item', async () => {
    const published = await runJson(
      [
        'publish',
        'order.created',
        '--data',
        '{"total": 1500}',
        '--subject',
        'order-7',
        '--correlation-id',
        'checkout-42',
        '--traceparent',
        '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      ],
      env,
    );
    const id = published.eventId as string;
    expect((await t.api.get(`${API}/events/${id}`)).body).toMatchObject({
      type: 'order.created',
      subject: 'order-7',
      data: { total: 1500 },
      correlationId: 'checkout-42',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });

    const json = await runJson(['list', 'events', '--type', 'order.created', '--limit', '5'], env);
    expect(json.items.map((e: { id: string }) => e.id)).toEqual([id]);
    const bySource = await runJson(['list', 'events', '--source', 'github'], env);
    expect(bySource.items.length).toBeGreaterThan(0);
    expect(bySource.items.every((e: { source: string }) => e.source === 'webhook:github')).toBe(true);

    const table = await runCli(['list', 'events', '--type', 'order.created'], env);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TIME\s+SOURCE\s+TYPE\s+STATUS$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(new RegExp(`^${id}\\s+\\S+Z\\s+app:default\\s+order\\.created\\s+\\w+$`));

    const rules = await runCli(['list', 'rules'], env);
    expect(rules.stdout).toMatch(/^NAME\s+ENABLED\s+TARGETS\s+PATTERN\s+ID\n/);
    expect(rules.stdout).toMatch(
      /\npushes\s+true\s+workflow\s+\{"source":\["webhook:github"\],"type":\["push"\]\}\s+rule_/,
    );

    const pushes = (await t.api.get(`${API}/events?type=push`)).body.items as { id: string }[];
    await eventually(async () => (await actionsOf(pushes[0]!.id)).length > 0);
    const shown = await runCli(['get', 'event', pushes[0]!.id], env);
    expect(shown.stdout).toMatch(/^id:\s+evt_/m);
    expect(shown.stdout).toMatch(/^type:\s+push$/m);
    expect(shown.stdout).toMatch(
      /\nactions:\nID\s+STATUS\s+TARGET\s+RULE\s+ATTEMPTS\s+EVENT\s+LAST ERROR\nact_\S+\s+\w+\s+workflow\s+pushes\s+/,
    );
    const rule = await runJson(['get', 'rule', 'pushes'], env);
    expect(rule).toMatchObject({ name: 'pushes', targets: [{ type: 'workflow', kind: 'on-push' }] });
  });

  it('list --include-deleted marks the deleted ones, which otherwise read as enabled or active', async () => {
    for (const r of [
      await t.api.post(`${API}/endpoints`, { slug: 'gone-soon', url: 'https://gone.invalid/hook' }),
      await t.api.post(`${API}/rules`, {
        name: 'gone-rule',
        pattern: { type: ['never.sent'] },
        targets: [{ type: 'workflow', kind: 'never' }],
      }),
    ])
      expect(r.status, r.text).toBe(201);
    expect((await t.api.delete(`${API}/rules/gone-rule`)).status).toBe(204);
    expect((await t.api.delete(`${API}/endpoints/gone-soon`)).status).toBe(204);

    const rules = await runCli(['list', 'rules', '--include-deleted'], env);
    expect(rules.stdout).toMatch(/^NAME\s+ENABLED\s+TARGETS\s+PATTERN\s+ID\s+DELETED\n/);
    expect(rules.stdout).toMatch(/\ngone-rule\s+true\s+workflow\s+.*rule_\S+\s+\d{4}-\d\d-\d\dT\S+Z\n/);
    expect(rules.stdout).toMatch(/\npushes\s+true\s+workflow\s+.*rule_\S+\s+-\n/);
    const endpoints = await runCli(['list', 'endpoints', '--include-deleted'], env);
    expect(endpoints.stdout).toMatch(
      /\ngone-soon\s+active\s+https:\/\/gone\.invalid\/hook\s+-\s+\d{4}-\S+Z\n/,
    );
    // Without the flag, there is nothing deleted to tell apart.
    expect((await runCli(['list', 'rules'], env)).stdout).not.toMatch(/DELETED|gone-rule/);
  });

  it('replay one event and count a filter with --dry-run; retry the dead-letter queue', async () => {
    const pushes = (await t.api.get(`${API}/events?type=push`)).body.items as { id: string }[];
    const id = pushes[0]!.id;
    await eventually(async () => (await actionsOf(id)).length === 1);
    const replayed = await runCli(['replay', id], env);
    expect(replayed.stdout).toBe(`Replaying ${id} (push); status pending.\n`);
    await eventually(async () => (await actionsOf(id)).length === 2, 10_000, 'the replay’s new action');
    const count = await runJson(['replay', '--type', 'push', '--dry-run'], env);
    expect(count).toEqual({ count: pushes.length, dryRun: true, truncated: false });
    const noFilter = await runCli(['replay'], env);
    expect(noFilter.code).toBe(1);
    expect(noFilter.stderr).toContain('give an event id, a filter');

    const doomed = await t.api.post(`${API}/events`, { type: 'doomed.thing' });
    const [dead] = await eventually(async () => {
      const a = await actionsOf(doomed.body.eventId);
      return a.length === 1 && a[0]!.status === 'dead' ? a : undefined;
    });
    const hook = await t.api.post(`${API}/events`, { type: 'doomed.hook' });
    const [deadHook] = await eventually(async () => {
      const a = await actionsOf(hook.body.eventId);
      return a.length === 1 && a[0]!.status === 'dead' ? a : undefined;
    });
    const deadList = await runJson(['list', 'actions', '--dead'], env);
    expect(deadList.items.map((a: { id: string }) => a.id)).toEqual([deadHook!.id, dead!.id]);
    const endpointQueue = await runJson(['list', 'actions', '--dead', '--endpoint', 'nowhere'], env);
    expect(endpointQueue.items.map((a: { id: string }) => a.id)).toEqual([deadHook!.id]);
    expect(await runJson(['retry', '--dead', '--rule', 'doomed', '--dry-run'], env)).toEqual({
      count: 1,
      dryRun: true,
      truncated: false,
    });
    expect(await runJson(['retry', '--dead', '--endpoint', 'nowhere', '--dry-run'], env)).toEqual({
      count: 1,
      dryRun: true,
      truncated: false,
    });
    const retried = await runJson(['retry', dead!.id], env);
    expect(retried.id).toBe(dead!.id);
    expect(retried.status).not.toBe('dead');
  });

  it('tail follows the live stream, filtered by type', async (ctx) => {
    const probe = await fetch(`${t.url}${API}/stream`, {
      headers: { authorization: `Bearer ${env.EVENTHOOK_KEY}` },
      signal: AbortSignal.timeout(2000),
    }).catch(() => undefined);
    await probe?.body?.cancel();
    if (probe?.status === 404)
      ctx.skip('this server has no live stream yet (GET /stream is 404); tail polls instead');
    const tail = startCli(['tail', '--type', 'tail.live', '-n', '1', '-o', 'json'], env);
    await eventually(
      async () => tail.output().stderr.includes('following the live stream'),
      20_000,
      'tail to connect',
    );
    await t.api.post(`${API}/events`, { type: 'other.thing' });
    const wanted = await t.api.post(`${API}/events`, { type: 'tail.live', data: { n: 1 } });
    const out = await tail.result;
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ id: wanted.body.eventId, type: 'tail.live', data: { n: 1 } });
  });

  it('tail --poll prints new events (the fallback for servers without a stream)', async () => {
    // Its first look reads the newest event: what is committed after that answer is new to it.
    const firstLook = `${API}/events?limit=1`;
    const before = answered(firstLook);
    const tail = startCli(['tail', '--poll', '--source', 'app:poller', '-n', '2'], env);
    await eventually(async () => answered(firstLook) > before || undefined, 20_000, 'tail’s first look');
    expect(tail.output().stderr).toContain('polling for new events');
    const a = await t.api.post(`${API}/events`, { type: 'first', source: 'poller' });
    await t.api.post(`${API}/events`, { type: 'ignored', source: 'elsewhere' });
    const b = await t.api.post(`${API}/events`, { type: 'second', source: 'poller' });
    const out = await tail.result;
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`\\sapp:poller\\s+first\\s+${a.body.eventId}$`));
    expect(lines[1]).toMatch(new RegExp(`\\sapp:poller\\s+second\\s+${b.body.eventId}$`));
  });

  it('tail of an org that does not exist fails as every command does, with the detail and the code', async () => {
    expect(await runCli(['--org', 'nope', 'tail'], env)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'eventhook: Org nope was not found [EH_ORG_NOT_FOUND]\n',
    });
  });

  it('errors: one line with the server’s detail and code, field errors below, exit code 1', async () => {
    const missing = await runCli(['get', 'rule', 'no-such-rule'], env);
    expect(missing).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'eventhook: Rule no-such-rule was not found [EH_RULE_NOT_FOUND]\n',
    });
    const badKey = await runCli(['list', 'sources', '--key', 'eho_wrong'], env);
    expect(badKey).toMatchObject({
      code: 1,
      stderr: 'eventhook: The API key is not valid [EH_AUTH_INVALID]\n',
    });
    // A field error is the headline itself, not "Bad Request" above it, and names the argument or option given.
    const badEvent = await runCli(['publish', 'x'.repeat(300)], env);
    expect(badEvent).toMatchObject({
      code: 1,
      stderr: 'eventhook: <type>: must be a string of 1–256 characters [EH_EVENT_INVALID]\n',
    });
    const badSubject = await runCli(['publish', 'order.created', '--subject', 's'.repeat(2000)], env);
    expect(badSubject.stderr).toMatch(/^eventhook: --subject: .* \[EH_EVENT_INVALID\]\n$/);

    // The server asks for a header; the CLI says how to give the key.
    const noKey = await runCli(['list', 'sources'], { EVENTHOOK_URL: t.url });
    expect(noKey).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'eventhook: no API key: give --key <key> or set EVENTHOOK_KEY (an API key of the org, or the operator token) [EH_AUTH_MISSING]\n',
    });
    const noUrl = await runCli(['list', 'sources'], { ...env, EVENTHOOK_URL: 'localhost:8080' });
    expect(noUrl.stderr).toBe(
      'eventhook: --url (or EVENTHOOK_URL) must be an http(s) URL such as http://localhost:8080, not "localhost:8080"\n',
    );

    const files = tempDir();
    const invalid = files.write(
      'bad.yaml',
      'rules:\n  - name: no-kind\n    pattern: { type: [x] }\n    targets: [{ type: workflow }]\n',
    );
    const rejected = await runCli(['apply', '-f', invalid], env);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toBe(`eventhook: ${invalid}:4 rules[0].targets[0].kind: is required\n`);
    const unset = files.write(
      'env.yaml',
      'sources:\n  - slug: s\n    provider: stripe\n    secret: ${CLI_TEST_UNSET_SECRET}\n',
    );
    const noVar = await runCli(['apply', '-f', unset, '--dry-run'], env);
    expect(noVar.code).toBe(1);
    expect(noVar.stderr).toBe(
      `eventhook: ${unset}: an environment variable is not set\n  ${unset}:4 sources[0].secret: \${CLI_TEST_UNSET_SECRET} is not set (or empty)\n`,
    );
    const withVar = await runCli(['apply', '-f', unset, '--dry-run'], {
      ...env,
      CLI_TEST_UNSET_SECRET: STRIPE_SECRET,
    });
    expect(withVar.stdout).toContain('+ source s\n');
  });
  it('grants create, list, get and delete, under the receiving org (--org)', async () => {
    for (const slug of ['ledger', 'billing'])
      expect((await t.api.post('/api/orgs', { slug })).status).toBe(201);
    const at = ['--org', 'ledger'];
    const created = await runJson<{ id: string; fromOrg: string; eventTypes: string[] }>(
      [
        ...at,
        'grants',
        'create',
        'billing',
        '--types',
        'billing.*',
        'refund.created',
        '--description',
        'books',
      ],
      env,
    );
    expect(created).toMatchObject({ fromOrg: 'billing', eventTypes: ['billing.*', 'refund.created'] });
    expect(created.id).toMatch(/^grt_/);
    const listed = await runCli([...at, 'grants', 'list'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^ID\s+FROM ORG\s+EVENT TYPES\s+DESCRIPTION\s+CREATED\n/);
    expect(listed.stdout).toContain(created.id);
    expect(listed.stdout).toContain('billing.*,refund.created');
    expect((await runJson([...at, 'get', 'grant', created.id], env)).description).toBe('books');
    // Under the publishing org there is nothing to see.
    expect((await runCli(['--org', 'billing', 'grants', 'list'], env)).stdout).toBe('No grants.\n');

    const bad = await runCli([...at, 'grants', 'create', 'billing', '--types', 'bil*ing'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('[EH_GRANT_INVALID]');
    expect(bad.stderr).toContain('--types: bil*ing is neither');

    const deleted = await runCli([...at, 'grants', 'delete', created.id], env);
    expect(deleted).toMatchObject({ code: 0, stdout: `Deleted grant ${created.id}.\n` });
    const again = await runCli([...at, 'grants', 'delete', created.id], env);
    expect(again).toMatchObject({
      code: 1,
      stderr: `eventhook: Grant ${created.id} was not found [EH_GRANT_NOT_FOUND]\n`,
    });
  });
});

describe('eventhook ping', { timeout: 120_000 }, () => {
  let t: TestApp;
  let receiver: Receiver;
  let env: Record<string, string>;

  beforeAll(async () => {
    ({ t, receiver } = await startOutbound('sqlite', (req, res) => {
      if (req.path === '/down') res.writeHead(503).end('maintenance');
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('pong');
    }));
    env = serverEnv(t);
    for (const slug of ['up', 'down'])
      expect((await t.api.post(`${API}/endpoints`, { slug, url: `${receiver.url}/${slug}` })).status).toBe(
        201,
      );
  });
  afterAll(() => stopOutbound(t, receiver));

  it('sends a signed test message and prints what the endpoint answered', async () => {
    const up = await runCli(['ping', 'up'], env);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/up answered 200 in \d+ ms \(msg_\w{26}\): succeeded\npong\n$/,
    );
    expect(receiver.requests.at(-1)!.headers['webhook-signature']).toMatch(/^v1,/);

    const typed = await runJson<{ ok: boolean; request: { body: string } }>(
      ['ping', 'up', '--type', 'order.created', '--data', '{"id":"ord_1"}'],
      env,
    );
    expect(typed.ok).toBe(true);
    expect(JSON.parse(typed.request.body)).toMatchObject({ type: 'order.created', data: { id: 'ord_1' } });
    expect(JSON.parse(receiver.requests.at(-1)!.body.toString('utf8')).data).toEqual({ id: 'ord_1' });
  });

  it('exits 1 with the reason when the endpoint does not accept it, or the data is not JSON', async () => {
    const down = await runCli(['ping', 'down'], env);
    expect(down.code).toBe(1);
    expect(down.stdout).toContain('answered 503');
    expect(down.stdout).toContain('maintenance');
    expect(down.stderr).toBe('eventhook: endpoint down: the endpoint answered 503\n');
    const sent = receiver.requests.length;
    const bad = await runCli(['ping', 'up', '--data', '{oops'], env);
    expect(bad).toMatchObject({ code: 1, stderr: 'eventhook: --data is not valid JSON: {oops\n' });
    expect(receiver.requests.length).toBe(sent);
  });
});

describe('eventhook --help', { timeout: 120_000 }, () => {
  const COMMANDS: [string[], string][] = [
    [[], 'Client commands talk to a running'],
    [['serve'], 'Run the server'],
    [['migrate'], 'Apply database migrations'],
    [['backup'], 'Restore: stop the server'],
    [['apply'], 'Sources and endpoints are matched by slug, rules by name'],
    [['list'], 'List sources, rules, endpoints'],
    [['list', 'events'], '--status <status>'],
    [['list', 'actions'], '--dead'],
    [['get'], 'Show one source, rule, endpoint, event, action or grant'],
    [['get', 'event'], 'Show an event (received or published) with its actions'],
    [['get', 'action'], 'Show an action (the delivery of an event to a target) with'],
    [['tail'], '--poll'],
    [['tail'], 'how often to poll: 5s, 1m, … (a bare number is seconds)'],
    [['tail'], '(default: 1s)'],
    [['replay'], '--new-idempotency-keys'],
    [['retry'], '--dead'],
    [['send'], '--secret <secret>'],
    [['publish'], '--data <json|file>'],
    [['grants'], 'which orgs may publish into this one'],
    [['grants', 'create'], '--types <types...>'],
    [['ping'], '--data <json|file>'],
    [['whoami'], 'Show who the configured key is'],
    [['rekey'], 'Rotating the master key: 1. restart every process with the new key'],
    [[], 'rekey [options]'],
    [[], 'whoami'],
    [[], 'migrate [options]'],
  ];

  it('every command explains itself, a client command with the connection options', async () => {
    // A few at a time: thirty CLI processes at once on a loaded two-core machine outlast runCli's own timeout.
    const results: Awaited<ReturnType<typeof runCli>>[] = [];
    for (let i = 0; i < COMMANDS.length; i += 6)
      results.push(
        ...(await Promise.all(COMMANDS.slice(i, i + 6).map(([args]) => runCli([...args, '--help'])))),
      );
    results.forEach((r, i) => {
      const [args, phrase] = COMMANDS[i]!;
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain(`Usage: eventhook ${args.join(' ')}`.trimEnd());
      expect(r.stdout).toContain(phrase);
      // The server commands read the server's settings, not a connection to one.
      if (['serve', 'migrate', 'backup', 'rekey'].includes(args[0]!)) expect(r.stdout).not.toContain('--url');
      else expect(r.stdout).toContain('--url <url>');
      // One thing shown is not a list: no order, no plural.
      if (args[0] === 'get') expect(r.stdout).not.toContain('newest first');
    });
  });

  it('a combination of arguments a command refuses says where to read its usage, as commander’s own errors do', async () => {
    const cases: [string[], string][] = [
      [
        ['replay'],
        'eventhook: give an event id, a filter (--type, --status, --source, --since, …) or --all; see eventhook replay --help',
      ],
      [
        ['replay', '--all', '--type', 'push'],
        'eventhook: --all replays every event; give it without filters; see eventhook replay --help',
      ],
      [['retry'], 'see eventhook retry --help'],
      [
        ['orgs', 'delete', 'acme', '--confirm', 'acne'],
        'give --confirm acme; see eventhook orgs delete --help',
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    results.forEach((r, i) => {
      expect(r.code, cases[i]![0].join(' ')).toBe(1);
      expect(r.stderr).toContain(cases[i]![1]);
    });
  });
});
