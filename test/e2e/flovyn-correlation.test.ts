// With EVENTHOOK_ENGINE=flovyn, the lifecycle events of an execution a rule started carry the causing event's
// correlation id and traceparent, as the local engine's do, so event → rule → Flovyn workflow → workflow.completed →
// rule → Flovyn task → task.completed stays one correlation and one trace; executions started outside Eventhook, and
// causes recorded before migration 020, keep Flovyn's correlation id. Both stores, a real NATS server, FakeFlovyn.
import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventId } from '../../src/core/ids.js';
import {
  backendAvailable,
  BACKENDS,
  checkOk,
  eventually,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';
import { FakeFlovyn } from '../helpers/fake-flovyn.js';
import { settledActions } from '../helpers/outbound.js';
import { tcpAvailable } from '../helpers/services.js';

const TOKEN = 'flovyn_sk_e2e_correlation';
const base = '/api/orgs/default/eventhook';
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
/** What Flovyn puts in its own events' correlation_id: its view, which knows nothing of Eventhook's chain. */
const FLOVYNS_OWN = 'flovyn-own-correlation';

const natsUp = await tcpAvailable('NATS', '127.0.0.1', 4222);

for (const backend of BACKENDS) {
  const available = natsUp && (await backendAvailable(backend));
  describe.skipIf(!available)(
    `Flovyn lifecycle events keep the chain's correlation and trace — ${backend}`,
    () => {
      let t: TestApp;
      let flovyn: FakeFlovyn;
      let nats: NatsConnection;
      // A Flovyn org id (and queue group) of this run's own, so parallel runs on one NATS server never meet.
      const flovynOrg = randomUUID();
      const publish = async (type: string, payload: Record<string, unknown>) => {
        nats.publish(`flovyn.events.${flovynOrg}.${type}`, JSON.stringify({ id: randomUUID(), ...payload }));
        await nats.flush();
      };
      const completed = (workflowId: string, kind: string, extra: Record<string, unknown> = {}) =>
        publish('workflow.completed', {
          event_type: 'WORKFLOW_COMPLETED',
          workflow_execution_id: workflowId,
          data: { id: workflowId, kind, status: 'COMPLETED' },
          ...extra,
        });
      /** The stored event of `type` about `subject`, once there, with its hop count (which the API does not show). */
      const storedEvent = async (type: string, subject: string) => {
        const found = await eventually(async () => {
          const items = (await t.api.get(`${base}/events?type=${type}&limit=200`)).body.items as any[];
          return items.find((e) => e.subject === subject);
        });
        const record = await t.app.store.events.get('default', found.id as EventId);
        return { ...found, hopCount: record!.hopCount };
      };
      const workflowStartedBy = (eventId: string) =>
        eventually(async () =>
          [...flovyn.workflows.values()].find((w) => w.metadata['eventhook.eventId'] === eventId),
        );

      beforeAll(async () => {
        flovyn = await new FakeFlovyn(TOKEN, ['default']).start();
        // Flovyn completes each `fulfil` workflow at once, naming a correlation id of its own.
        flovyn.onWorkflowStarted = (w) => {
          if (w.kind === 'fulfil') void completed(w.id, w.kind, { correlation_id: FLOVYNS_OWN });
        };
        t = await startTestApp(backend, {
          env: {
            ...flovyn.engineEnv(),
            EVENTHOOK_FLOVYN_NATS_URL: 'nats://127.0.0.1:4222',
            EVENTHOOK_FLOVYN_EVENT_ORGS: `${flovynOrg}=default`,
            EVENTHOOK_NATS_PREFIX: `eh-corr-${flovynOrg.slice(0, 8)}`,
          },
        });
        nats = await connect({ servers: '127.0.0.1:4222' });
        await checkOk(t.url, 'flovynEvents');
        for (const rule of [
          {
            name: 'order-fulfils',
            pattern: { type: ['order.placed'] },
            targets: [{ type: 'workflow', kind: 'fulfil' }],
          },
          {
            name: 'fulfilled-notifies',
            pattern: {
              source: ['system:workflows'],
              type: ['workflow.completed'],
              data: { kind: ['fulfil'] },
            },
            targets: [{ type: 'task', kind: 'notify' }],
          },
        ])
          expect((await t.api.post(`${base}/rules`, rule)).status).toBe(201);
      });
      afterAll(async () => {
        await nats?.close();
        await t?.close();
        await flovyn?.close();
      });

      it('event → workflow → workflow.completed → task → task.completed: one correlation, one trace', async () => {
        const placed = await t.api.post(`${base}/events`, {
          type: 'order.placed',
          data: { order: 42 },
          correlationid: 'order-42',
          traceparent: TRACEPARENT,
        });
        expect(placed.status).toBe(200);
        const workflow = await workflowStartedBy(placed.body.eventId);
        const done = await storedEvent('workflow.completed', workflow.id);
        // The cause's correlation id before Flovyn's own, and its traceparent as it came (as the local engine does).
        expect(done).toMatchObject({ correlationId: 'order-42', traceparent: TRACEPARENT, hopCount: 1 });

        // The completion's rule created a task on Flovyn; its completion continues the same chain.
        const [action] = await settledActions(t, done.id);
        expect(action).toMatchObject({ status: 'succeeded' });
        const taskId = action.result.taskId as string;
        expect(flovyn.tasks.get(taskId)?.metadata['eventhook.eventId']).toBe(done.id);
        await publish('task.completed', {
          event_type: 'TASK_COMPLETED',
          task_execution_id: taskId,
          data: { id: taskId, kind: 'notify', status: 'COMPLETED' },
        });
        const taskDone = await storedEvent('task.completed', taskId);
        expect(taskDone).toMatchObject({ correlationId: 'order-42', traceparent: TRACEPARENT, hopCount: 2 });
      });

      it('a second event whose key names the execution a first one started does not take over its cause', async () => {
        const rule = {
          name: 'checkout-by-order',
          pattern: { type: ['checkout.requested'] },
          targets: [{ type: 'workflow', kind: 'checkout', idempotencyKey: "join(':', ['co', data.order])" }],
        };
        expect((await t.api.post(`${base}/rules`, rule)).status).toBe(201);
        const order = randomUUID();
        const first = await t.api.post(`${base}/events`, {
          type: 'checkout.requested',
          data: { order },
          correlationid: 'first-report',
        });
        const [started] = await settledActions(t, first.body.eventId);
        expect(started).toMatchObject({ status: 'succeeded', result: { created: true } });
        // The same order reported again, in another chain: Flovyn answers with the execution it has.
        const second = await t.api.post(`${base}/events`, {
          type: 'checkout.requested',
          data: { order },
          correlationid: 'second-report',
        });
        const [again] = await settledActions(t, second.body.eventId);
        expect(again).toMatchObject({
          status: 'succeeded',
          result: { workflowId: started.result.workflowId, created: false },
        });
        await completed(started.result.workflowId, 'checkout');
        const done = await storedEvent('workflow.completed', started.result.workflowId);
        // The execution's cause is the event that started it, in this process as in any other (the store's).
        expect(done).toMatchObject({ correlationId: 'first-report', hopCount: 1 });
      });

      it('the event whose start made the execution is its cause, though a concurrent duplicate was answered first', async () => {
        const rule = {
          name: 'shipment-by-order',
          pattern: { type: ['shipment.requested'] },
          targets: [{ type: 'workflow', kind: 'ship', idempotencyKey: "join(':', ['ship', data.order])" }],
        };
        expect((await t.api.post(`${base}/rules`, rule)).status).toBe(201);
        const order = randomUUID();
        const key = `ship:${order}`;
        // Flovyn registers the key, then takes its time to answer the start that made the execution.
        flovyn.createdAnswerDelayMs = 1_000;
        try {
          const first = await t.api.post(`${base}/events`, {
            type: 'shipment.requested',
            data: { order },
            correlationid: 'made-it',
          });
          await eventually(async () =>
            [...flovyn.workflows.values()].find(
              (w) => w.kind === 'ship' && w.input && (w.input as any).data?.order === order,
            ),
          );
          // The same order again meanwhile: answered at once, with the execution the first start made.
          const second = await t.api.post(`${base}/events`, {
            type: 'shipment.requested',
            data: { order },
            correlationid: 'came-second',
          });
          const [again] = await settledActions(t, second.body.eventId);
          expect(again).toMatchObject({ status: 'succeeded', result: { created: false } });
          const [made] = await settledActions(t, first.body.eventId);
          expect(made).toMatchObject({ status: 'succeeded', result: { created: true } });
          expect(made.result.workflowId).toBe(again.result.workflowId);
          expect(flovyn.calls.filter((c) => c.body.idempotencyKey === key)).toHaveLength(2);
          await completed(made.result.workflowId, 'ship');
          const done = await storedEvent('workflow.completed', made.result.workflowId);
          expect(done).toMatchObject({ correlationId: 'made-it', hopCount: 1 });
        } finally {
          flovyn.createdAnswerDelayMs = 0;
        }
      });

      it('an event without a correlation id gives its own id, and no trace', async () => {
        const placed = await t.api.post(`${base}/events`, { type: 'order.placed', data: { order: 43 } });
        const workflow = await workflowStartedBy(placed.body.eventId);
        const done = await storedEvent('workflow.completed', workflow.id);
        expect(done).toMatchObject({ correlationId: placed.body.eventId, traceparent: null, hopCount: 1 });
      });

      it('an execution Eventhook did not start keeps Flovyn’s correlation id', async () => {
        const stranger = randomUUID();
        await completed(stranger, 'nightly', { correlation_id: 'started-by-cron-7' });
        const done = await storedEvent('workflow.completed', stranger);
        expect(done).toMatchObject({ correlationId: 'started-by-cron-7', traceparent: null, hopCount: 1 });
      });

      it('a cause recorded before migration 020 (no correlation id nor trace) gives what it gave before', async () => {
        // As 013 to 019 wrote causes: the event and its hops only.
        const [withFlovyns, without] = [randomUUID(), randomUUID()];
        for (const executionId of [withFlovyns, without])
          await t.app.store.executionCauses.remember({
            org: 'default',
            executionId,
            eventId: 'evt_01JBEFORE021000000000000000',
            hops: 3,
            createdAt: Date.now(),
          });
        await completed(withFlovyns, 'legacy', { correlation_id: FLOVYNS_OWN });
        await completed(without, 'legacy');
        expect(await storedEvent('workflow.completed', withFlovyns)).toMatchObject({
          correlationId: FLOVYNS_OWN,
          traceparent: null,
          hopCount: 4,
        });
        expect(await storedEvent('workflow.completed', without)).toMatchObject({
          correlationId: 'evt_01JBEFORE021000000000000000',
          traceparent: null,
          hopCount: 4,
        });
      });
    },
  );
}
