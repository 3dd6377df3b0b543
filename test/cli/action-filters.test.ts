// Filtering actions by rule and endpoint (`list actions`, `retry`): names are resolved, and a rule or endpoint that
// does not exist is an error rather than an empty list, which would read as "nothing failed".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeadEndRule, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { runCli, runJson, serverEnv } from './helpers.js';

const API = '/api/orgs/default/eventhook';

describe('eventhook action filters', { timeout: 120_000 }, () => {
  let t: TestApp;
  let env: Record<string, string>;
  let ruleId: string;
  let dead: string;
  let deadHook: string;

  /** The one dead action of a newly published event of `type`. */
  const deadActionOf = async (type: string) => {
    const published = await t.api.post(`${API}/events`, { type });
    return eventually(async () => {
      const items = (await t.api.get(`${API}/actions?event=${published.body.eventId}`)).body.items as {
        id: string;
        status: string;
      }[];
      return items.length === 1 && items[0]!.status === 'dead' ? items[0]!.id : undefined;
    });
  };

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    env = serverEnv(t);
    // A target that cannot succeed, with one attempt: its actions go straight to the dead-letter queue.
    ruleId = (await createDeadEndRule(t.api, { name: 'doomed', type: 'doomed.thing' })).id;
    const endpoint = await t.api.post(`${API}/endpoints`, {
      slug: 'nowhere',
      url: 'https://nowhere.invalid/hook',
    });
    expect(endpoint.status, endpoint.text).toBe(201);
    const hooks = await t.api.post(`${API}/rules`, {
      name: 'doomed-hooks',
      pattern: { type: ['doomed.hook'] },
      targets: [{ type: 'webhook', endpoint: 'nowhere', retry: { maxAttempts: 1 } }],
    });
    expect(hooks.status, hooks.text).toBe(201);
    dead = await deadActionOf('doomed.thing');
    deadHook = await deadActionOf('doomed.hook');
  });
  afterAll(() => t?.close());

  const ids = (page: { items: { id: string }[] }) => page.items.map((a) => a.id);

  it('--rule takes a name or an id; a rule that does not exist is an error', async () => {
    expect(ids(await runJson(['list', 'actions', '--rule', 'doomed'], env))).toEqual([dead]);
    expect(ids(await runJson(['list', 'actions', '--rule', ruleId], env))).toEqual([dead]);
    const unknownId = 'rule_01J00000000000000000000000';
    for (const args of [
      ['list', 'actions', '--rule', unknownId],
      ['retry', '--dead', '--rule', unknownId],
    ]) {
      expect({ args, ...(await runCli(args, env)) }).toEqual({
        args,
        code: 1,
        stdout: '',
        stderr: `eventhook: Rule ${unknownId} was not found [EH_RULE_NOT_FOUND]\n`,
      });
    }
  });

  it("--rule with a deleted rule's name says so and gives its id, as the API does", async () => {
    const gone = (await createDeadEndRule(t.api, { name: 'short-lived', type: 'short.lived' })).id;
    const action = await deadActionOf('short.lived');
    expect((await t.api.delete(`${API}/rules/short-lived`)).status).toBe(204);
    const list = await runCli(['list', 'actions', '--rule', 'short-lived'], env);
    expect(list).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'eventhook: Rule short-lived was not found [EH_RULE_NOT_FOUND]\n' +
        `  --rule: rule short-lived was deleted; give its id to see its actions (${gone})\n`,
    });
    const retry = await runCli(['retry', '--dead', '--rule', 'short-lived', '--dry-run'], env);
    expect(retry.code).toBe(1);
    expect(retry.stderr).toContain(`rule short-lived was deleted; give its id to see its actions (${gone})`);
    expect(ids(await runJson(['list', 'actions', '--rule', gone], env))).toEqual([action]);
  });

  it('--endpoint that does not exist is an error, as --rule is; a deleted endpoint keeps its queue', async () => {
    for (const args of [
      ['retry', '--dead', '--endpoint', 'no-such'],
      ['list', 'actions', '--dead', '--endpoint', 'no-such'],
    ]) {
      expect({ args, ...(await runCli(args, env)) }).toEqual({
        args,
        code: 1,
        stdout: '',
        stderr: 'eventhook: Endpoint no-such was not found [EH_ENDPOINT_NOT_FOUND]\n',
      });
    }
    expect(await runJson(['retry', '--dead', '--endpoint', 'nowhere', '--dry-run'], env)).toEqual({
      count: 1,
      dryRun: true,
      truncated: false,
    });
    expect((await t.api.delete(`${API}/rules/doomed-hooks`)).status).toBe(204);
    expect((await t.api.delete(`${API}/endpoints/nowhere`)).status).toBe(204);
    expect(ids(await runJson(['list', 'actions', '--dead', '--endpoint', 'nowhere'], env))).toEqual([
      deadHook,
    ]);
  });
});
