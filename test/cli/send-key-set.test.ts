// `eventhook send` to a source that checks tokens against a published key set (Google Pub/Sub push): it has no
// secret, so the CLI says what it needs — a private key of that key set — and refuses Google's own set, which only
// Google can sign for, before sending anything, instead of asking for "a jwt secret" and then posting a sample
// that can only be refused 401.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { runCli, serverEnv } from './helpers.js';

const API = '/api/orgs/default/eventhook';

describe('eventhook send to a source verified by a key set', { timeout: 120_000 }, () => {
  let t: TestApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    env = serverEnv(t);
    const created = await t.api.post(`${API}/sources`, {
      slug: 'pubsub',
      provider: 'google-pubsub',
      options: {
        audience: 'https://hooks.example.com/push',
        serviceAccountEmail: 'push@p.iam.gserviceaccount.com',
      },
    });
    expect(created.status, created.text).toBe(201);
    const own = await t.api.post(`${API}/sources`, {
      slug: 'pubsub-test',
      provider: 'google-pubsub',
      options: {
        audience: 'https://hooks.example.com/push',
        serviceAccountEmail: 'push@p.iam.gserviceaccount.com',
        jwksUrl: 'https://keys.example.com/jwks.json',
      },
    });
    expect(own.status, own.text).toBe(201);
  });
  afterAll(() => t?.close());

  it("refuses Google's key set, with or without --secret, and sends nothing", async () => {
    for (const args of [[], ['--secret', 'not-a-google-key']]) {
      const r = await runCli(['send', 'google-pubsub', '--source', 'pubsub', ...args], env);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stderr).toContain(
        'eventhook: source pubsub takes only tokens Google signs (its key set is https://www.googleapis.com/oauth2/v3/certs), which send cannot make',
      );
      expect(r.stderr).toContain('options.jwksUrl');
    }
    expect((await t.api.get(`${API}/events`)).body.items).toEqual([]);
  });

  it('says, when no source is named like the provider, to name one with --source', async () => {
    // The org's Pub/Sub sources are pubsub and pubsub-test, none named google-pubsub.
    const r = await runCli(['send', 'google-pubsub'], env);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr.trim()).toBe(
      [
        'eventhook: Source google-pubsub was not found [EH_SOURCE_NOT_FOUND]',
        '  send posts to the source named like the provider unless --source <slug> names another (eventhook list sources).',
      ].join('\n'),
    );
  });

  it('asks for a private key of a key set of its own, not for a secret the source does not have', async () => {
    const r = await runCli(['send', 'google-pubsub', '--source', 'pubsub-test'], env);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr.trim()).toBe(
      'eventhook: --secret is required: source pubsub-test checks tokens against the key set at https://keys.example.com/jwks.json; give the private key (PEM) of one of its keys',
    );
  });
});
