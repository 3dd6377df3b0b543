// `npm start` runs the compiled server, whose SQLite writer and checkpointer threads load compiled modules rather
// than the sources the other suites run. This suite compiles the sources afresh (a stale dist/ would prove nothing),
// starts the compiled server as a real process, and ingests GitHub webhooks through those threads.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../helpers/app.js';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { BASE, githubPushHeaders } from '../helpers/ingest.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Inside node_modules so the compiled modules resolve their dependencies, and ignored like it.
const OUT = join(ROOT, 'node_modules', '.cache', 'eventhook-compiled-test');
const TOKEN = 'eho_compiled-test-token';
const SECRET = 'compiled-github-secret';

describe('the compiled server (npm start)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'eventhook-compiled-'));
  let server: ChildServer | undefined;

  beforeAll(() => {
    rmSync(OUT, { recursive: true, force: true });
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', OUT],
      { cwd: ROOT, stdio: 'inherit' },
    );
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(OUT, { recursive: true, force: true });
  });

  it('commits webhooks on its writer thread, answers duplicates, and keeps them across a restart', async () => {
    const env = { EVENTHOOK_DATA_DIR: dataDir, EVENTHOOK_ADMIN_TOKEN: TOKEN };
    const entry = join(OUT, 'src', 'cli', 'main.js');
    server = await startChildServer(env, { entry });
    const api = new ApiClient(server.url, TOKEN);
    expect(
      (await api.post(`${BASE}/sources`, { slug: 'gh', provider: 'github', secret: SECRET })).status,
    ).toBe(201);

    const deliver = async (delivery: string, body: string) =>
      fetch(`${server!.url}${BASE}/in/gh`, {
        method: 'POST',
        headers: await githubPushHeaders(SECRET, body, delivery),
        body,
      });
    const bodies = Array.from({ length: 20 }, (_, i) => `{"ref":"refs/heads/main","n":${i}}`);
    const answers = await Promise.all(bodies.map((b, i) => deliver(`delivery-${i}`, b)));
    expect(answers.map((r) => r.status)).toEqual(bodies.map(() => 200));
    const ids = await Promise.all(
      answers.map(async (r) => ((await r.json()) as { eventId: string }).eventId),
    );
    const again = await deliver('delivery-3', bodies[3]!);
    expect(await again.json()).toMatchObject({ eventId: ids[3], duplicate: true });

    await server.stop();
    server = await startChildServer(env, { entry });
    const raw = await fetch(`${server.url}${BASE}/events/${ids[7]}/raw`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await raw.text()).toBe(bodies[7]);
  }, 120_000);
});
