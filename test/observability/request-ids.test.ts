// Request ids: every answer names the id its request is logged under (`x-request-id`), so a caller's failed request
// can be found in the logs, and a proxy's id (`x-request-id` sent in) is kept when it is a plain token. They were
// `req-1`, `req-2`, … counted per process, never shown to the caller, and the same in every process and after every
// restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { capturedLogger } from '../helpers/logs.js';

describe('request ids', () => {
  const logs = capturedLogger('info');
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { logger: logs.logger });
  });
  afterAll(async () => t?.close());

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, ...headers } });

  it('answers with the id the request is logged under, unique across processes and restarts', async () => {
    const first = await get('/api/orgs/default/eventhook/sources/nope');
    const second = await get('/api/orgs/default/eventhook/sources/nope');
    expect(first.status).toBe(404);
    const ids = [first.headers.get('x-request-id'), second.headers.get('x-request-id')];
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z_-]{16,}$/);
    expect(ids[0]).not.toBe(ids[1]);
    const logged = logs.lines.filter((l) => l.msg === 'request completed').map((l) => l.reqId);
    expect(logged).toEqual(expect.arrayContaining(ids));
  });

  it('keeps the id a proxy sent when it is a plain token, and makes its own otherwise', async () => {
    const kept = await get('/healthz', { 'x-request-id': 'lb-7f3a9c.01:req' });
    expect(kept.headers.get('x-request-id')).toBe('lb-7f3a9c.01:req');
    for (const sent of ['has spaces in it', 'x'.repeat(201), '{"json":1}']) {
      const made = await get('/healthz', { 'x-request-id': sent });
      expect(made.headers.get('x-request-id')).toMatch(/^[0-9A-Za-z_-]{16,}$/);
    }
  });
});
