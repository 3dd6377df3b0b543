// A workflow or task target whose input is over the engines' 1 MiB (Flovyn's limit, which the local engine keeps
// too): the action is dead at its first attempt with a message naming the size and the limit, nothing reaches Flovyn,
// and POST /rules/test shows the same problem for the target. FakeFlovyn, the app on SQLite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { FakeFlovyn } from '../helpers/fake-flovyn.js';
import { settledActions } from '../helpers/outbound.js';

const base = '/api/orgs/default/eventhook';
const TOKEN = 'flovyn_sk_input_limit';
/**
 * 600,000 characters, under the sandbox's 1,048,576 characters of result, but 1,200,002 bytes as a JSON string: the
 * engines' limit is in bytes, as Flovyn (Rust) counts.
 */
const HUGE = { javascript: "function transform(e) { return 'é'.repeat(600000); }" };
const PROBLEM =
  'The workflow input is 1200002 bytes as JSON, over the engine’s limit of 1048576 bytes (1 MiB): ' +
  'give the target an input that keeps only what the workflow needs';

for (const engine of ['local', 'flovyn'] as const) {
  describe(`an engine target’s input over 1 MiB — ${engine} engine`, () => {
    let t: TestApp;
    let flovyn: FakeFlovyn | undefined;
    beforeAll(async () => {
      if (engine === 'flovyn') flovyn = await new FakeFlovyn(TOKEN, ['default']).start();
      t = await startTestApp('sqlite', { env: flovyn ? flovyn.engineEnv() : {} });
    });
    afterAll(async () => {
      await t?.close();
      await flovyn?.close();
    });

    it('the rule tester shows the problem on the target', async () => {
      const res = await t.api.post(`${base}/rules/test`, {
        pattern: { type: ['huge.input'] },
        targets: [
          { type: 'workflow', kind: 'wf', input: HUGE },
          { type: 'task', kind: 'small' },
        ],
        event: { type: 'huge.input', source: 'app', data: { n: 1 } },
      });
      expect(res.status, res.text).toBe(200);
      const [huge, small] = res.body.targets as { error?: string; input?: unknown }[];
      expect(huge!.error).toBe(PROBLEM);
      // The megabyte is not echoed back to the tester.
      expect(huge!.input).toBeUndefined();
      expect(small!.error).toBeUndefined();
    });

    it('the action is dead at its first attempt, naming the size and the limit; Flovyn is never called', async () => {
      const r = await t.api.post(`${base}/rules`, {
        name: 'huge-start',
        pattern: { type: ['huge.input'] },
        targets: [{ type: 'workflow', kind: 'wf', input: HUGE }],
      });
      expect(r.status, r.text).toBe(201);
      const published = await t.api.post(`${base}/events`, { type: 'huge.input', data: { n: 1 } });
      expect(published.status, published.text).toBe(200);
      const [action] = await settledActions(t, published.body.eventId as string, 1);
      expect(action).toMatchObject({ status: 'dead', attemptCount: 1, lastError: PROBLEM });
      expect(flovyn?.calls.filter((c) => c.path.endsWith('/workflow-executions')) ?? []).toEqual([]);
    });
  });
}
