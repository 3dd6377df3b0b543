// An endpoint's sealed credentials (auth, secret headers) are never shown, so they must not be readable another way:
// pointing the endpoint's URL at another origin without giving them again would send them to whoever is there. Such
// a move is refused unless they are given again (or dropped); a move within the origin keeps them; and the [redacted]
// mask, which keeps a stored value, keeps nothing across origins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import {
  BASE,
  createEndpoint,
  startOutbound,
  startReceiver,
  stopOutbound,
  type Receiver,
} from '../helpers/outbound.js';

const TOKEN = 'bearer-Hq7Wn4Kd';
const KEY = 'api-key-Xc2Lp9Rs';

describe('moving an endpoint to another origin', () => {
  let t: TestApp;
  let home: Receiver;
  let elsewhere: Receiver;

  beforeAll(async () => {
    ({ t, receiver: home } = await startOutbound('sqlite'));
    elsewhere = await startReceiver();
  });
  afterAll(async () => {
    await stopOutbound(t, home);
    await elsewhere?.close();
  });

  const patch = (slug: string, body: Record<string, unknown>) =>
    t.api.patch(`${BASE}/endpoints/${slug}`, body);
  const test = (slug: string) => t.api.post(`${BASE}/endpoints/${slug}/test`, {});

  it('is refused while the credentials given for the old origin would go along, and nothing changes', async () => {
    await createEndpoint(t, {
      slug: 'crm',
      url: `${home.url}/crm`,
      auth: { type: 'bearer', token: TOKEN },
      secretHeaders: { 'x-api-key': KEY },
    });
    const moved = await patch('crm', { url: `${elsewhere.url}/steal` });
    expect(moved.status).toBe(400);
    expect(moved.body.code).toBe('EH_ENDPOINT_INVALID');
    expect(moved.body.errors.map((e: { path: string }) => e.path)).toEqual(['/auth', '/secretHeaders']);
    expect(moved.body.errors[0].message).toContain(`given for ${new URL(home.url).origin}`);

    const masked = await patch('crm', {
      url: `${elsewhere.url}/steal`,
      auth: { type: 'none' },
      secretHeaders: { 'x-api-key': '[redacted]' },
    });
    expect(masked.status).toBe(400);
    expect(masked.body.errors).toEqual([
      { path: '/secretHeaders/x-api-key', message: expect.stringContaining('placeholder') },
    ]);

    expect((await t.api.get(`${BASE}/endpoints/crm`)).body.url).toBe(`${home.url}/crm`);
    expect((await test('crm')).status).toBe(200);
    expect(elsewhere.requests).toHaveLength(0);
    const sent = home.requests.at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sent.headers['x-api-key']).toBe(KEY);
  });

  it('keeps them on a move within the origin', async () => {
    expect((await patch('crm', { url: `${home.url}/crm/v2` })).status).toBe(200);
    expect((await test('crm')).status).toBe(200);
    const sent = home.requests.at(-1)!;
    expect(sent.path).toBe('/crm/v2');
    expect(sent.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sent.headers['x-api-key']).toBe(KEY);
  });

  it('moves with credentials given again, or dropped', async () => {
    const given = await patch('crm', {
      url: `${elsewhere.url}/crm`,
      auth: { type: 'bearer', token: 'new-token' },
      secretHeaders: {},
    });
    expect(given.status, given.text).toBe(200);
    expect((await test('crm')).status).toBe(200);
    const sent = elsewhere.requests.at(-1)!;
    expect(sent.headers.authorization).toBe('Bearer new-token');
    expect(sent.headers['x-api-key']).toBeUndefined();
    expect(JSON.stringify(elsewhere.requests)).not.toContain(TOKEN);
    expect(JSON.stringify(elsewhere.requests)).not.toContain(KEY);
  });
});
