// EVENTHOOK_FLOVYN_TOKEN_FILE: the token a mounted secret holds, read again when Flovyn answers 401, so a rotated
// secret is taken without a restart. Against the fake Flovyn server and a real file: after the rotation, the next
// call is refused once with the old token and sent again with the new one; a token still wrong after that is not read
// again for every call (at most once per interval), and the token never shows in an error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventhookError } from '../../src/core/errors.js';
import { FlovynEngine } from '../../src/engine/adapters/flovyn/flovyn-engine.js';
import { FakeFlovyn } from '../helpers/fake-flovyn.js';

const OLD = 'flovyn_sk_before_rotation';
const NEW = 'flovyn_sk_after_rotation';

describe('Flovyn token from a file, rotated without a restart', () => {
  let flovyn: FakeFlovyn;
  let engine: FlovynEngine;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eh-flovyn-token-'));
    file = join(dir, 'token');
    writeFileSync(file, `${OLD}\n`);
    flovyn = await new FakeFlovyn(OLD, ['acme']).start();
    engine = new FlovynEngine({
      url: flovyn.url,
      token: OLD,
      tokenFile: file,
      tokenRereadMs: 400,
      timeoutMs: 1_000,
    });
  });
  afterAll(async () => {
    await engine?.close();
    await flovyn?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (key: string) =>
    engine.startWorkflow({ org: 'acme', kind: 'k', input: {}, idempotencyKey: key });
  const authOf = (from: number) => flovyn.calls.slice(from).map((c) => c.headers.authorization);

  it('after the secret rotates, the call Flovyn refuses is sent again with the new token, and the next ones use it', async () => {
    expect((await start('before')).created).toBe(true);
    // The secret is rotated: Flovyn takes only the new token, the mounted file holds it.
    flovyn.token = NEW;
    writeFileSync(file, `${NEW}\n`);
    const from = flovyn.calls.length;
    expect((await start('after')).created).toBe(true);
    expect(authOf(from)).toEqual([`Bearer ${OLD}`, `Bearer ${NEW}`]);
    await start('next');
    expect(authOf(from + 2)).toEqual([`Bearer ${NEW}`]);
  });

  it('a token still refused is read again at most once per interval, not for every call', async () => {
    await new Promise((r) => setTimeout(r, 450));
    flovyn.token = 'flovyn_sk_nobody_has';
    writeFileSync(file, 'flovyn_sk_wrong_one\n');
    const from = flovyn.calls.length;
    const refused = async (key: string) => {
      const err = await start(key).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EventhookError);
      expect((err as EventhookError).params.status).toBe(401);
      expect((err as Error).message).not.toContain('flovyn_sk_');
    };
    // The first refusal reads the file (a new token: sent again, refused again); the next within the interval do
    // not, though the file changed again meanwhile.
    await refused('wrong-1');
    expect(authOf(from)).toEqual([`Bearer ${NEW}`, 'Bearer flovyn_sk_wrong_one']);
    writeFileSync(file, 'flovyn_sk_wrong_two\n');
    for (const key of ['wrong-2', 'wrong-3', 'wrong-4']) await refused(key);
    expect(authOf(from + 2)).toEqual(Array(3).fill('Bearer flovyn_sk_wrong_one'));
    // Once the interval is over, a refusal reads it again.
    await new Promise((r) => setTimeout(r, 450));
    await refused('wrong-5');
    expect(authOf(from + 5)).toEqual(['Bearer flovyn_sk_wrong_one', 'Bearer flovyn_sk_wrong_two']);
  });

  it('a file emptied or gone mid-rotation keeps the token it had; once it holds one again, it is taken', async () => {
    flovyn.token = 'flovyn_sk_final';
    const once = async (key: string) => {
      await new Promise((r) => setTimeout(r, 450));
      const from = flovyn.calls.length;
      const err = await start(key).catch((e: unknown) => e);
      expect((err as EventhookError).params.status).toBe(401);
      // Nothing new to send: refused once, not sent again.
      expect(authOf(from)).toEqual(['Bearer flovyn_sk_wrong_two']);
    };
    writeFileSync(file, '\n');
    await once('emptied');
    rmSync(file);
    await once('gone');
    writeFileSync(file, 'flovyn_sk_final');
    await new Promise((r) => setTimeout(r, 450));
    const from = flovyn.calls.length;
    expect((await start('back')).created).toBe(true);
    expect(authOf(from)).toEqual(['Bearer flovyn_sk_wrong_two', 'Bearer flovyn_sk_final']);
  });
});
