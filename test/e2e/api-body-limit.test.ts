// EVENTHOOK_BODY_LIMIT bounds an application's events as it bounds webhooks: POST /events takes a body up to it, and
// answers 413 above it (before, the API's bodies had a fixed 1 MiB whatever the setting said).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const EVENTS = '/api/orgs/default/eventhook/events';
const event = (bytes: number) => ({ type: 'bulk.export', data: { blob: 'x'.repeat(bytes) } });

describe('the API body limit follows EVENTHOOK_BODY_LIMIT', () => {
  let small: TestApp;
  let large: TestApp;
  beforeAll(async () => {
    small = await startTestApp('sqlite', { env: { EVENTHOOK_BODY_LIMIT: '4KiB' } });
    large = await startTestApp('sqlite', { env: { EVENTHOOK_BODY_LIMIT: '2MiB' } });
  });
  afterAll(async () => {
    await small?.close();
    await large?.close();
  });

  it('refuses an event over a lowered limit with 413 and takes one under it', async () => {
    expect((await small.api.post(EVENTS, event(3_000))).status).toBe(200);
    const over = await small.api.post(EVENTS, event(5_000));
    expect(over.status).toBe(413);
    expect(over.body).toMatchObject({ status: 413 });
  });

  it('takes an event over 1 MiB under a raised limit', async () => {
    const res = await large.api.post(EVENTS, event(1_500_000));
    expect(res.status, res.text).toBe(200);
    const stored = await large.api.get(`${EVENTS}/${res.body.eventId}`);
    expect(stored.body.data.blob).toHaveLength(1_500_000);
  });
});
