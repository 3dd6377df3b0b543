// The worked example of docs/engines.md, run as written: its rules are accepted, an order starts the checkout
// workflow under its key, the payment webhook resolves the promise the worker awaits, and the completion is an
// event whose status is spelt as Flovyn spells it. So the page cannot drift from what the API does.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';

const base = '/api/orgs/default/eventhook';

describe('docs/engines.md worked example', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  it('runs as written', async () => {
    const doc = readFileSync(new URL('../../docs/engines.md', import.meta.url), 'utf8');
    const rules = [...doc.matchAll(/rule <<'EOF'\n([\s\S]*?)\nEOF/g)].map((m) => JSON.parse(m[1]!));
    expect(rules).toHaveLength(3);
    const endpoint = await t.api.post(`${base}/endpoints`, {
      slug: 'on-call',
      url: 'https://example.com/hook',
    });
    expect(endpoint.status, endpoint.text).toBe(201);
    const source = await t.api.post(`${base}/sources`, { slug: 'payments', verifier: { type: 'none' } });
    expect(source.status, source.text).toBe(201);
    for (const rule of rules) {
      const res = await t.api.post(`${base}/rules`, rule);
      expect(res.status, res.text).toBe(201);
    }

    await t.api.post(`${base}/events`, { type: 'order.placed', data: { orderId: 'o-42' } });
    const claimed = await eventually(async () => {
      const r = await t.api.post(`${base}/engine/workflows/claim`, { workerId: 'w1', kinds: ['checkout'] });
      return r.status === 200 ? r.body : undefined;
    });
    expect(claimed).toMatchObject({ kind: 'checkout', idempotencyKey: 'checkout:o-42', status: 'running' });
    const promise = await t.api.post(`${base}/engine/promises`, {
      key: 'payment:o-42',
      workflowId: claimed.id,
    });
    expect(promise.status, promise.text).toBe(201);
    const waiting = t.api.get(`${base}/engine/promises/key:payment:o-42/await?timeoutMs=10000`);
    const paid = await fetch(`${t.url}${base}/in/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'payment.succeeded', orderId: 'o-42' }),
    });
    expect(paid.status).toBe(200);
    expect((await waiting).body).toMatchObject({ status: 'resolved', value: { orderId: 'o-42' } });

    const done = await t.api.post(`${base}/engine/workflows/${claimed.id}/complete`, {
      workerId: 'w1',
      output: { paid: true },
    });
    expect(done.status, done.text).toBe(200);
    const completed = await eventually(
      async () => (await t.api.get(`${base}/events?type=workflow.completed`)).body.items?.[0],
    );
    expect(completed.data).toMatchObject({ kind: 'checkout', status: 'COMPLETED', output: { paid: true } });
  });
});
