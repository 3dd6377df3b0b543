// `eventhook send` behind a proxy that mounts Eventhook under a path (EVENTHOOK_PUBLIC_URL=https://…/eventhook, the
// proxy stripping /eventhook): the sample is signed for the public ingest URL, as the provider signs it, and posted to
// the server's own path through --url, not to the public path (which the server does not have).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { runCli, serverEnv } from './helpers.js';

const API = '/api/orgs/default/eventhook';
const PUBLIC_URL = 'https://hooks.example.com/eventhook';

describe('eventhook send with a public URL under a path', { timeout: 120_000 }, () => {
  let t: TestApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { EVENTHOOK_PUBLIC_URL: PUBLIC_URL } });
    env = serverEnv(t);
    for (const body of [
      { slug: 'github', provider: 'github', secret: 'gh-secret' },
      // Twilio signs the URL it calls: the public one.
      { slug: 'twilio', provider: 'twilio', secret: 'twilio-auth-token' },
    ]) {
      const created = await t.api.post(`${API}/sources`, body);
      expect(created.status, created.text).toBe(201);
      expect(created.body.ingestUrl).toBe(`${PUBLIC_URL}${API}/in/${body.slug}`);
    }
  });
  afterAll(() => t?.close());

  it('posts to the server’s ingest path, signed for the public ingest URL', async () => {
    for (const [provider, secret] of [
      ['github', 'gh-secret'],
      ['twilio', 'twilio-auth-token'],
    ] as const) {
      const r = await runCli(['send', provider, '--secret', secret], env);
      expect(r.code, `${provider}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('status:    200');
    }
    expect((await t.api.get(`${API}/events`)).body.items).toHaveLength(2);
  });
});
