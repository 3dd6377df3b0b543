// The app with EVENTHOOK_FLOVYN_TOKEN_FILE: a Kubernetes-style rotation (the mounted file changes, Flovyn takes only
// the new token) is taken by the next workflow start, at its first attempt, without a restart. FakeFlovyn, SQLite.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { FakeFlovyn } from '../helpers/fake-flovyn.js';
import { settledActions } from '../helpers/outbound.js';

const base = '/api/orgs/default/eventhook';

describe('a rotated Flovyn token file, taken without a restart', () => {
  let t: TestApp;
  let flovyn: FakeFlovyn;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eh-flovyn-rotation-'));
    writeFileSync(join(dir, 'token'), 'flovyn_sk_first\n');
    flovyn = await new FakeFlovyn('flovyn_sk_first', ['default']).start();
    const { EVENTHOOK_FLOVYN_TOKEN: _token, ...env } = flovyn.engineEnv();
    t = await startTestApp('sqlite', { env: { ...env, EVENTHOOK_FLOVYN_TOKEN_FILE: join(dir, 'token') } });
    const r = await t.api.post(`${base}/rules`, {
      name: 'start',
      pattern: { type: ['order.placed'] },
      targets: [{ type: 'workflow', kind: 'fulfil' }],
    });
    expect(r.status, r.text).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await flovyn?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const started = async () => {
    const r = await t.api.post(`${base}/events`, { type: 'order.placed', data: {} });
    expect(r.status, r.text).toBe(200);
    const [action] = await settledActions(t, r.body.eventId as string, 1);
    return action;
  };

  it('starts with the file’s token, and with the new one once the secret rotates', async () => {
    expect(await started()).toMatchObject({ status: 'succeeded', attemptCount: 1 });
    flovyn.token = 'flovyn_sk_second';
    writeFileSync(join(dir, 'token'), 'flovyn_sk_second\n');
    expect(await started()).toMatchObject({ status: 'succeeded', attemptCount: 1 });
    expect(flovyn.calls.at(-1)?.headers.authorization).toBe('Bearer flovyn_sk_second');
  });
});
