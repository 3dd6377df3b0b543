// The README's worked example, run as written: its shell block, with only the token the first start printed and the
// server's URL filled in, against a real `eventhook serve` on a fresh data folder. A README whose commands stopped
// working (a renamed field, a changed path, a provider that no longer verifies its own example) fails here.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../helpers/app.js';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';

const run = promisify(execFile);
const README = new URL('../../README.md', import.meta.url);

/** The first `sh` block after the worked example's heading. */
function workedExample(): string {
  const readme = readFileSync(README, 'utf8');
  const section = readme.slice(readme.indexOf('## A worked example'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README: the worked example has no sh block');
  return block[1]!;
}

async function bash(script: string): Promise<string> {
  const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { timeout: 60_000 });
  return stdout;
}

describe('the README worked example', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'eventhook-readme-'));
  let server: ChildServer | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'starts a workflow from a signed GitHub push, which a worker claims and completes',
    { timeout: 120_000 },
    async () => {
      // No EVENTHOOK_ADMIN_TOKEN: the first start prints the operator token the example begins with.
      server = await startChildServer({ EVENTHOOK_DATA_DIR: dataDir, EVENTHOOK_ADMIN_TOKEN: '' });
      const printed = /Operator token \(shown once[^\n]*\n\s+(\S+)/.exec(server.output());
      expect(printed, server.output()).not.toBeNull();
      const token = printed![1]!;

      const script = workedExample();
      expect(script).toContain('TOKEN=eho_…');
      expect(script).toContain('http://localhost:8080');
      const filled = script
        .replace(/^TOKEN=eho_….*$/m, `TOKEN='${token}'`)
        .replaceAll('http://localhost:8080', server.url);
      // The last command completes the claimed execution by its id, which the reader copies from the claim's answer.
      const lines = filled.split('\n');
      const complete = lines.findIndex((l) => l.includes('/complete'));
      expect(complete).toBeGreaterThan(0);
      const untilClaim = lines.slice(0, complete).join('\n');
      // The reader's shell still has the variables the block set at its top.
      const variables = lines.filter((l) => /^(TOKEN|API)=/.test(l));
      const completion = [...variables, ...lines.slice(complete)].join('\n');

      const out = await bash(untilClaim);
      // The push was accepted as a new event, and the claim handed out a running execution of kind on-push.
      expect(out).toMatch(/\{"eventId":"evt_[0-9A-Za-z]+","duplicate":false\}/);
      const claimed = /\{"id":"(wf_[0-9A-Za-z]+)"[^\n]*?"status":"running"/.exec(out);
      expect(claimed, out).not.toBeNull();
      const id = claimed![1]!;

      const done = await bash(completion.replace('<id>', id));
      expect(done).toContain('"status":"completed"');

      const api = new ApiClient(server.url, token);
      const base = '/api/orgs/default/eventhook';
      const wf = await api.get(`${base}/engine/workflows/${id}`);
      expect(wf.status, wf.text).toBe(200);
      expect(wf.body).toMatchObject({ kind: 'on-push', status: 'completed', output: { deployed: true } });
      expect(wf.body.input).toMatchObject({ source: 'webhook:github', type: 'push', subject: 'octo/hello' });
      // "workflow.completed is itself an event (source system:workflows)", as the text after the block says.
      const events = await api.get(`${base}/events?type=workflow.completed`);
      expect(events.body.items.map((e: { source: string }) => e.source)).toEqual(['system:workflows']);
    },
  );
});
