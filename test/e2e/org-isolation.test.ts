// Issue 2: org isolation — a key of org A gets 404 for org B's sources and events, whatever it knows of them.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

describe('org isolation', () => {
  let t: TestApp;
  let keyA: string;
  let keyB: string;
  let eventB: string;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    for (const org of ['alpha', 'beta'])
      expect((await t.api.post('/api/orgs', { slug: org })).status).toBe(201);
    keyA = (await t.api.post('/api/orgs/alpha/api-keys', { name: 'a', role: 'admin' })).body.key;
    keyB = (await t.api.post('/api/orgs/beta/api-keys', { name: 'b', role: 'admin' })).body.key;
    const b = t.api.as(keyB);
    expect(
      (
        await b.post('/api/orgs/beta/eventhook/sources', {
          slug: 'hooks',
          verifier: { type: 'hmac', header: 'x-sig', algorithm: 'sha256', encoding: 'hex', secret: 's3cret' },
        })
      ).status,
    ).toBe(201);
    const body = '{"type":"x"}';
    const res = await fetch(`${t.url}/api/orgs/beta/eventhook/in/hooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-sig': createHmac('sha256', 's3cret').update(body).digest('hex'),
      },
      body,
    });
    eventB = ((await res.json()) as { eventId: string }).eventId;
  });
  afterAll(async () => t?.close());

  it('hides org B from a key of org A', async () => {
    const a = t.api.as(keyA);
    for (const path of [
      '/api/orgs/beta',
      '/api/orgs/beta/eventhook/sources',
      '/api/orgs/beta/eventhook/sources/hooks',
      `/api/orgs/beta/eventhook/events/${eventB}`,
      `/api/orgs/beta/eventhook/events/${eventB}/raw`,
      '/api/orgs/beta/eventhook/rules',
    ]) {
      const res = await a.get(path);
      expect(res.status, path).toBe(404);
      expect(res.body.code, path).toBe('EH_ORG_NOT_FOUND');
    }
    // Asking its own org for B's ids finds nothing either.
    expect((await a.get(`/api/orgs/alpha/eventhook/events/${eventB}`)).status).toBe(404);
    expect((await a.get('/api/orgs/alpha/eventhook/sources/hooks')).status).toBe(404);
    // B itself sees its data.
    expect((await t.api.as(keyB).get(`/api/orgs/beta/eventhook/events/${eventB}`)).status).toBe(200);
  });

  it('asks for a key, and accepts only real ones', async () => {
    expect((await t.api.as(undefined).get('/api/orgs/alpha/eventhook/sources')).body.code).toBe(
      'EH_AUTH_MISSING',
    );
    expect((await t.api.as('ehk_nonsense').get('/api/orgs/alpha/eventhook/sources')).status).toBe(401);
    expect((await t.api.as(keyA).get('/api/orgs')).status).toBe(403);
  });
});
