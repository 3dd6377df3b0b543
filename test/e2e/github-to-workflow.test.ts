// Issue 2, end to end: a GitHub-signed webhook in, stored durably, routed to a workflow; a worker completes it;
// workflow.completed is routed by a second rule to a task. Runs against SQLite and PostgreSQL.
import { randomUUID } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { githubPushHeaders } from '../helpers/ingest.js';

const SECRET = 'It’s a Secret to Everybody';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`GitHub webhook to workflow — ${backend}`, () => {
    let t: TestApp;
    const base = '/api/orgs/default/eventhook';

    beforeAll(async () => {
      t = await startTestApp(backend);
      const source = await t.api.post(`${base}/sources`, {
        slug: 'github',
        name: 'GitHub',
        provider: 'github',
        secret: SECRET,
      });
      expect(source.status).toBe(201);
      expect(source.body.ingestUrl).toBe(`${t.url}${base}/in/github`);
      expect(JSON.stringify(source.body)).not.toContain(SECRET);
      const r1 = await t.api.post(`${base}/rules`, {
        name: 'push-to-workflow',
        pattern: { source: ['webhook:github'], type: ['push'] },
        targets: [{ type: 'workflow', kind: 'on-push' }],
      });
      expect(r1.status).toBe(201);
      const r2 = await t.api.post(`${base}/rules`, {
        name: 'completed-to-task',
        pattern: { source: ['system:workflows'], type: ['workflow.completed'] },
        targets: [{ type: 'task', kind: 'notify' }],
      });
      expect(r2.status).toBe(201);
    });
    afterAll(async () => t?.close());

    it('verifies, stores byte-identical, starts the workflow, and routes its completion to a task', async () => {
      // Deliberately odd bytes: unicode escapes and spacing must survive exactly (never re-serialised).
      const body = '{"ref":"refs/heads/main",  "repository":{"full_name":"octo/hello"},"note":"\\u00e4 ünï"}';
      const delivery = randomUUID();
      const res = await fetch(`${t.url}${base}/in/github`, {
        method: 'POST',
        headers: await githubPushHeaders(SECRET, body, delivery),
        body,
      });
      expect(res.status).toBe(200);
      const { eventId, duplicate } = (await res.json()) as { eventId: string; duplicate: boolean };
      expect(eventId).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(duplicate).toBe(false);

      const raw = await fetch(`${t.url}${base}/events/${eventId}/raw`, {
        headers: { authorization: `Bearer ${t.api.token}` },
      });
      expect(raw.headers.get('content-type')).toBe('application/json');
      expect(Buffer.from(await raw.arrayBuffer()).equals(Buffer.from(body))).toBe(true);

      const wf = await eventually(
        async () => {
          const list = await t.api.get(`${base}/engine/workflows?kind=on-push`);
          return list.body.items?.[0];
        },
        10_000,
        'the workflow execution',
      );
      expect(wf).toMatchObject({ kind: 'on-push', queue: 'default', status: 'pending' });
      expect(wf.input).toMatchObject({
        id: eventId,
        source: 'webhook:github',
        type: 'push',
        subject: 'octo/hello',
        data: JSON.parse(body),
      });
      expect(wf.input.headers['x-github-delivery']).toBe(delivery);
      expect(wf.input.headers['x-hub-signature-256']).toBeDefined();

      // The execution exists as soon as the engine made it; the action's success commits just after.
      const event = await eventually(
        async () => {
          const e = await t.api.get(`${base}/events/${eventId}`);
          return e.body.actions?.[0]?.status === 'succeeded' ? e : undefined;
        },
        10_000,
        'the action to succeed',
      );
      expect(event.body).toMatchObject({ status: 'routed', type: 'push' });
      expect(event.body.actions).toEqual([
        expect.objectContaining({
          targetType: 'workflow',
          status: 'succeeded',
          ruleName: 'push-to-workflow',
          result: { workflowId: wf.id, created: true },
        }),
      ]);

      const claim = await t.api.post(`${base}/engine/workflows/claim`, {
        workerId: 'w1',
        kinds: ['on-push'],
      });
      expect(claim.status).toBe(200);
      expect(claim.body).toMatchObject({ id: wf.id, status: 'running', workerId: 'w1' });
      expect(
        (await t.api.post(`${base}/engine/workflows/claim`, { workerId: 'w2', kinds: ['on-push'] })).status,
      ).toBe(204);
      const done = await t.api.post(`${base}/engine/workflows/${wf.id}/complete`, {
        workerId: 'w1',
        output: { deployed: true },
      });
      expect(done.body).toMatchObject({ status: 'completed', output: { deployed: true } });

      const task = await eventually(
        async () => (await t.api.get(`${base}/engine/tasks?kind=notify`)).body.items?.[0],
        10_000,
        'the task',
      );
      expect(task.input).toMatchObject({
        source: 'system:workflows',
        type: 'workflow.completed',
        subject: wf.id,
        correlationid: eventId,
      });
      expect(task.input.data).toMatchObject({
        id: wf.id,
        kind: 'on-push',
        // As Flovyn's workflow.completed says it, so the same rule matches on either engine.
        status: 'COMPLETED',
        output: { deployed: true },
      });
    });

    it('answers a redelivery with the first event id and does not route it again', async () => {
      const body = '{"ref":"refs/heads/dev","repository":{"full_name":"octo/hello"}}';
      const headers = await githubPushHeaders(SECRET, body, randomUUID());
      const first = (await (
        await fetch(`${t.url}${base}/in/github`, { method: 'POST', headers, body })
      ).json()) as { eventId: string };
      const again = await fetch(`${t.url}${base}/in/github`, { method: 'POST', headers, body });
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ eventId: first.eventId, duplicate: true });
      await eventually(
        async () =>
          (await t.api.get(`${base}/events/${first.eventId}`)).body.actions?.[0]?.status === 'succeeded',
      );
      const workflows = await t.api.get(`${base}/engine/workflows?kind=on-push`);
      const forThisEvent = workflows.body.items.filter(
        (w: { input: { id: string } }) => w.input.id === first.eventId,
      );
      expect(forThisEvent).toHaveLength(1);
    });

    it('refuses bad, missing and unknown without storing or routing anything', async () => {
      const body = '{"ref":"refs/heads/main"}';
      const post = (path: string, headers: Record<string, string>, b: string = body) =>
        fetch(`${t.url}${base}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-github-event': 'push', ...headers },
          body: b,
        });
      const before = (await t.api.get(`${base}/events?limit=200`)).body.items.length;

      const bad = await post('/in/github', { 'x-hub-signature-256': await sign('wrong secret', body) });
      expect(bad.status).toBe(401);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
      expect(await bad.json()).toMatchObject({
        code: 'EH_INGEST_UNAUTHORIZED',
        detail: 'Webhook verification failed',
      });
      expect((await post('/in/github', {})).status).toBe(401);
      const tampered = await post(
        '/in/github',
        { 'x-hub-signature-256': await sign(SECRET, body) },
        body.replace('main', 'evil'),
      );
      expect(tampered.status).toBe(401);

      const unknown = await post('/in/nope', { 'x-hub-signature-256': await sign(SECRET, body) });
      expect(unknown.status).toBe(404);
      const unknownOrg = await fetch(`${t.url}/api/orgs/ghost/eventhook/in/nope`, { method: 'POST', body });
      expect(unknownOrg.status).toBe(404);
      expect(((await unknownOrg.json()) as { detail: string }).detail).toBe(
        ((await unknown.json()) as { detail: string }).detail,
      );

      const big = '{"pad":"' + 'x'.repeat(1024 * 1024) + '"}';
      const tooLarge = await post('/in/github', { 'x-hub-signature-256': await sign(SECRET, big) }, big);
      expect(tooLarge.status).toBe(413);

      const malformed = '{"ref": "refs/heads/main",';
      const parse = await post(
        '/in/github',
        { 'x-hub-signature-256': await sign(SECRET, malformed) },
        malformed,
      );
      expect(parse.status).toBe(400);
      expect(await parse.json()).toMatchObject({ code: 'EH_INGEST_MALFORMED' });

      const after = (await t.api.get(`${base}/events?limit=200`)).body.items;
      // Only the malformed body is kept (status failed, for debugging); nothing new was routed.
      expect(after.length).toBe(before + 1);
      expect(after[0]).toMatchObject({ status: 'failed', type: 'unparsable' });
      const failedActions = await t.api.get(`${base}/actions?event=${after[0].id}`);
      expect(failedActions.body.items).toEqual([]);
    });
  });
}
