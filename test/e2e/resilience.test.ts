// Failures of one item that must stay that item's: a binary response body, a target or a stored rule that cannot be
// read, and one event of an ingest batch that the database refuses. Each used to take others down with it (the
// process, a whole event's routing or every org's, every request committed in the same batch).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSystemEvent } from '../../src/events/publisher.js';
import { GroupCommitter } from '../../src/ingest/group-committer.js';
import { systemClock } from '../../src/core/clock.js';
import { backendAvailable, BACKENDS, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import {
  BASE,
  createEndpoint,
  createRule,
  ingestSource,
  type Receiver,
  startOutbound,
  startReceiver,
  stopOutbound,
  waitForAction,
} from '../helpers/outbound.js';
import { ruleRecord } from '../helpers/records.js';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`one failure stays one — ${backend}`, () => {
    let t: TestApp;
    let receiver: Receiver;
    let send: (data: Record<string, unknown>) => Promise<string>;

    beforeAll(async () => {
      ({ t, receiver, send } = await startOutbound(backend, (req, res) => {
        if (req.path === '/binary')
          res
            .writeHead(200, { 'content-type': 'application/octet-stream' })
            .end(Buffer.from([0x1f, 0x8b, 0, 0, 0x41]));
        else res.writeHead(200).end('ok');
      }));
    });
    afterAll(() => stopOutbound(t, receiver));

    /** The delivery.dead event stored for an action. */
    const deadLetterOf = (actionId: string) =>
      eventually(async () => {
        const list = await t.api.get(`${BASE}/events?type=delivery.dead&limit=100`);
        return list.body.items.find((e: any) => e.data.actionId === actionId);
      });

    it('records a delivery whose receiver answered a binary body (NUL bytes included)', async () => {
      await createEndpoint(t, { slug: 'binary', url: `${receiver.url}/binary` });
      await createRule(t, 'binary', 'binary.test', [{ endpoint: 'binary' }]);
      const id = await send({ type: 'binary.test' });
      const action = await waitForAction(t, id, (a) => a.status === 'succeeded');
      const detail = await t.api.get(`${BASE}/actions/${action.id}`);
      expect(detail.body.attempts[0]).toMatchObject({
        statusCode: 200,
        responseBody: '\u001f\ufffd\ufffd\ufffdA',
      });
    });

    it('routes an event whose one target cannot be read: the other targets deliver, that one fails visibly', async () => {
      await createEndpoint(t, {
        slug: 'broken',
        url: `${receiver.url}/broken`,
        auth: { type: 'bearer', token: 'tok' },
      });
      await createRule(t, 'broken', 'broken.test', [{ endpoint: 'broken' }, { endpoint: 'binary' }]);
      // The endpoint's sealed credentials no longer open (as after a master key change).
      const record = (await t.app.store.endpoints.get('default', 'broken'))!;
      expect(
        await t.app.store.endpoints.update(
          {
            ...record,
            auth: { type: 'bearer', sealed: 'v1.not-a-sealed-value', info: {} },
            updatedAt: record.updatedAt + 1,
          },
          { basis: record.updatedAt, state: false },
        ),
      ).toBe(true);
      const id = await send({ type: 'broken.test' });
      const actions = await eventually(async () => {
        const e = await t.api.get(`${BASE}/events/${id}`);
        const byEndpoint = new Map<string, any>(e.body.actions.map((a: any) => [a.target.endpoint, a]));
        const good = byEndpoint.get('binary');
        const bad = byEndpoint.get('broken');
        return e.body.status === 'routed' && good?.status === 'succeeded' && bad?.attemptCount >= 1
          ? { good, bad }
          : undefined;
      });
      expect(actions.bad.status).not.toBe('succeeded');
      const detail = await t.api.get(`${BASE}/actions/${actions.bad.id}`);
      expect(detail.body.attempts[0].error).toBeTruthy();
      expect(receiver.requests.filter((r) => r.path === '/broken')).toHaveLength(0);
    });

    it('routes around stored rules that no longer compile: a broken filter fails its actions, a broken pattern only its rule', async () => {
      // Rules as an older version may have stored them, written past the API's checks.
      const stored = (name: string, pattern: unknown, filter: string | null) =>
        t.app.store.rules.insert(
          ruleRecord('default', name, Date.now(), {
            pattern: pattern as never,
            filter,
            targets: [{ type: 'webhook', endpoint: 'binary' }],
          }),
        );
      await stored('bad-filter', { type: ['stale.test'] }, 'return (');
      await stored('bad-pattern', { type: [{ 'no-such-operator': 1 }] }, null);
      await createRule(t, 'stale-fine', 'stale.test', [{ endpoint: 'binary' }]);
      const id = await send({ type: 'stale.test' });
      const actions = await eventually(async () => {
        const e = await t.api.get(`${BASE}/events/${id}`);
        const byRule = new Map<string, any>(e.body.actions.map((a: any) => [a.ruleName, a]));
        return e.body.status === 'routed' && byRule.get('stale-fine')?.status === 'succeeded'
          ? byRule
          : undefined;
      });
      expect([...actions.keys()].sort()).toEqual(['bad-filter', 'stale-fine']);
      expect(actions.get('bad-filter')).toMatchObject({ status: 'dead' });
      expect(actions.get('bad-filter').lastError).toMatch(/^filter does not compile/);
      // Born dead in the endpoint's dead-letter queue, it says so as a delivery that died does.
      expect(await deadLetterOf(actions.get('bad-filter').id)).toMatchObject({
        subject: 'binary',
        data: { eventId: id, endpoint: 'binary', attempts: 0, reason: 'failed' },
      });
    });

    it('announces delivery.dead for a webhook action whose input cannot be built', async () => {
      await createRule(t, 'bad-input', 'bad-input.test', [
        { endpoint: 'binary', input: { jmespath: 'abs(data.x)' } },
      ]);
      const id = await send({ type: 'bad-input.test', x: 'not a number' });
      const action = await waitForAction(t, id, (a) => a.status === 'dead');
      expect(action.attemptCount).toBe(1);
      expect(await deadLetterOf(action.id)).toMatchObject({
        data: { eventId: id, attempts: 1, reason: 'failed', error: action.lastError },
      });
    });

    it('commits the rest of an ingest batch when one event cannot be written', async () => {
      const committer = new GroupCommitter(t.app.store, systemClock);
      const now = Date.now();
      const mk = (type: string) =>
        newSystemEvent({ org: 'default', source: 'app:batch', type, data: {}, now });
      // PostgreSQL refuses NUL in text; SQLite keeps it. Either way the other two must commit.
      const [a, nul, b] = [mk('batch.a'), mk('batch.\u0000'), mk('batch.b')];
      const results = await Promise.allSettled([a, nul, b].map((event) => committer.submit({ event })));
      expect(results[0]!.status).toBe('fulfilled');
      expect(results[2]!.status).toBe('fulfilled');
      expect(results[1]!.status).toBe(backend === 'postgres' ? 'rejected' : 'fulfilled');
      expect(await t.app.store.events.get('default', a.id)).toBeDefined();
      expect(await t.app.store.events.get('default', b.id)).toBeDefined();
      await committer.drain();
    });
  });
}

describe('a delivery parked across a crash', () => {
  it('is woken by the next start when its endpoint is active again (the wake was lost)', async () => {
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(200).end('ok');
    });
    const dataDir = mkdtempSync(join(tmpdir(), 'eventhook-stranded-'));
    const env = { EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1' };
    try {
      const first = await startTestApp('sqlite', { env, dataDir });
      const send = await ingestSource(first);
      await createEndpoint(first, { slug: 'later', url: `${receiver.url}/later` });
      await createRule(first, 'later', 'later.test', [{ endpoint: 'later' }]);
      expect((await first.api.patch(`${BASE}/endpoints/later`, { status: 'paused' })).status).toBe(200);
      const id = await send({ type: 'later.test' });
      await waitForAction(first, id, (a) => a.waiting === 'endpoint_paused' && a.nextAttemptAt === null);
      // Resumed, but the wake that goes with it is lost (as if the process died in between).
      const record = (await first.app.store.endpoints.get('default', 'later'))!;
      await first.app.store.endpoints.update(
        { ...record, status: 'active', updatedAt: record.updatedAt + 1 },
        { basis: record.updatedAt, state: true },
      );
      await first.close();

      const second = await startTestApp('sqlite', { env, dataDir });
      try {
        await waitForAction(second, id, (a) => a.status === 'succeeded');
        expect(receiver.requests.filter((r) => r.path === '/later')).toHaveLength(1);
      } finally {
        await second.close();
      }
    } finally {
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
