// Flovyn lifecycle events (both payload shapes Flovyn has published, reference/flovyn.md §2) as Eventhook events.
import { describe, expect, it } from 'vitest';
import {
  eventType,
  FLOVYN_SOURCE,
  lifecycleEvent,
  mapLifecycleEvent,
  readLifecycle,
  type MappedLifecycleEvent,
} from '../../src/engine/adapters/flovyn/lifecycle-mapping.js';
import type { ExecutionCause } from '../../src/engine/adapters/flovyn/execution-causes.js';
import type { NewEvent } from '../../src/store/records.js';

const ORG_ID = '6f1c2a7e-0000-4000-8000-000000000001';
const ORGS = new Map([[ORG_ID, 'acme']]);
const NOW = Date.UTC(2026, 11, 5, 12);

function mapped(result: MappedLifecycleEvent): { event: NewEvent; flovynId: string | null } {
  if ('skip' in result) throw new Error(`skipped: ${result.skip}`);
  return result;
}

describe('Flovyn lifecycle events as Eventhook events', () => {
  it('maps the M0 FlovynEvent (snake_case) with the local engine’s source and type', () => {
    const wf = 'b3b0c1d2-0000-4000-8000-00000000000a';
    const { event, flovynId } = mapped(
      mapLifecycleEvent(
        `flovyn.events.${ORG_ID}.workflow.completed`,
        JSON.stringify({
          id: 'f1e2d3c4-0000-4000-8000-000000000099',
          org_id: ORG_ID,
          workflow_execution_id: wf,
          event_type: 'WORKFLOW_COMPLETED',
          source: 'system',
          data: { id: wf, kind: 'order-placed', status: 'COMPLETED', output: { ok: true } },
          timestamp_ms: NOW - 5_000,
          correlation_id: 'evt_01JCAUSE',
        }),
        ORGS,
        NOW,
      ),
    );
    expect(flovynId).toBe('f1e2d3c4-0000-4000-8000-000000000099');
    expect(event).toMatchObject({
      org: 'acme',
      source: 'system:workflows',
      type: 'workflow.completed',
      subject: wf,
      time: NOW,
      correlationId: 'evt_01JCAUSE',
      data: { id: wf, kind: 'order-placed', status: 'COMPLETED', output: { ok: true } },
      hopCount: 1,
      status: 'pending',
      sourceId: null,
    });
    expect(event.id).toMatch(/^evt_/);
  });

  it('maps the camelCase shape and state payloads; the subject’s type is the last resort', () => {
    const camel = mapped(
      mapLifecycleEvent(
        `flovyn.events.${ORG_ID}.task.failed`,
        JSON.stringify({
          id: 'evt-2',
          orgId: ORG_ID,
          type: 'task.failed',
          taskExecutionId: 'task-9',
          timestamp: '2026-12-05T11:00:00Z',
          data: { kind: 'send-email', error: 'smtp down', metadata: { 'eventhook.hops': '3' } },
          correlationId: 'corr-1',
        }),
        ORGS,
        NOW,
      ),
    );
    expect(camel.event).toMatchObject({
      source: 'system:tasks',
      type: 'task.failed',
      subject: 'task-9',
      correlationId: 'corr-1',
      // An execution Eventhook started carries its hop count; what it causes counts one more.
      hopCount: 4,
    });

    const state = mapped(
      mapLifecycleEvent(
        `flovyn.events.${ORG_ID}.promise.resolved`,
        JSON.stringify({
          type: 'Event',
          event: 'PROMISE_RESOLVED',
          data: { promiseId: 'p-1', result: 42 },
          timestampMs: NOW - 1,
        }),
        ORGS,
        NOW,
      ),
    );
    expect(state.event).toMatchObject({
      source: 'system:promises',
      type: 'promise.resolved',
      subject: 'p-1',
    });
    // No event id: a digest of the timed payload stands for it (the bare one below, untimed, has none).
    expect(state.flovynId).toMatch(/^sha256:[0-9a-f]{64}$/);

    const bare = mapped(
      mapLifecycleEvent(`flovyn.events.${ORG_ID}.timer.fired`, '{"data":{"timerId":"t1"}}', ORGS, NOW),
    );
    expect(bare.event).toMatchObject({
      source: FLOVYN_SOURCE,
      type: 'timer.fired',
      subject: 't1',
      time: NOW,
    });
    expect(bare.flovynId).toBeNull();
  });

  it('keys an untimed payload without an id by its stream sequence: a redelivery is a copy, a second publish is not', () => {
    const payload = JSON.stringify({
      type: 'Event',
      event: 'WORKFLOW_SUSPENDED',
      data: { id: 'wf-1', status: 'WAITING' },
    });
    const subject = `flovyn.events.${ORG_ID}.workflow.suspended`;
    const keyAt = (seq?: number) => {
      const message = readLifecycle(subject, payload, ORGS, seq);
      if ('skip' in message) throw new Error(message.skip);
      return mapped(lifecycleEvent(message, NOW)).flovynId;
    };
    // From core NATS (no sequence): a workflow suspended twice is two events, each stored.
    expect(keyAt()).toBeNull();
    // From the durable stream: the same message delivered again has the same key; another publish another key.
    expect(keyAt(41)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(keyAt(41)).toBe(keyAt(41));
    expect(keyAt(42)).not.toBe(keyAt(41));
  });

  it('counts one hop more than the event that caused an execution Eventhook started', () => {
    const causes = new Map([['wf-1', { eventId: 'evt_cause', hops: 5 }]]);
    const { event } = mapped(
      mapLifecycleEvent(
        `flovyn.events.${ORG_ID}.workflow.completed`,
        JSON.stringify({ event_type: 'WORKFLOW_COMPLETED', workflow_execution_id: 'wf-1', data: {} }),
        ORGS,
        NOW,
        (id) => causes.get(id),
      ),
    );
    expect(event).toMatchObject({ hopCount: 6, correlationId: 'evt_cause', subject: 'wf-1' });
    const execution = (payload: unknown) => {
      const message = readLifecycle(`flovyn.events.${ORG_ID}.x`, JSON.stringify(payload), ORGS);
      return 'skip' in message ? message.skip : message.execution;
    };
    expect(execution({ workflow_execution_id: 'wf-1' })).toBe('wf-1');
    expect(execution({ data: { id: 'task-7' } })).toBe('task-7');
    expect(execution({})).toBeUndefined();
  });

  it('carries the correlation and trace of the event that started the execution before Flovyn’s own', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const causes = new Map<string, ExecutionCause>([
      ['wf-new', { eventId: 'evt_cause', hops: 2, correlationId: 'order-42', traceparent }],
      // Recorded before migration 020: no correlation id nor trace kept.
      ['wf-old', { eventId: 'evt_old', hops: 2 }],
    ]);
    const completed = (execution: string, extra: Record<string, unknown> = {}) =>
      mapped(
        mapLifecycleEvent(
          `flovyn.events.${ORG_ID}.workflow.completed`,
          JSON.stringify({ event_type: 'WORKFLOW_COMPLETED', workflow_execution_id: execution, ...extra }),
          ORGS,
          NOW,
          (id) => causes.get(id),
        ),
      ).event;
    const flovyns = { correlation_id: 'flovyn-corr', trace_id: 'a'.repeat(32) };
    // The cause's, as it came (the local engine's lifecycle events carry the cause's traceparent unchanged).
    expect(completed('wf-new')).toMatchObject({ correlationId: 'order-42', traceparent, hopCount: 3 });
    expect(completed('wf-new', flovyns)).toMatchObject({ correlationId: 'order-42', traceparent });
    // A cause from before the migration: as before, Flovyn's correlation id, or else the cause's id.
    expect(completed('wf-old')).toMatchObject({ correlationId: 'evt_old', traceparent: null, hopCount: 3 });
    const old = completed('wf-old', flovyns);
    expect(old.correlationId).toBe('flovyn-corr');
    expect(old.traceparent).toMatch(/^00-a{32}-[0-9a-f]{16}-01$/);
    // An execution started outside Eventhook: Flovyn's.
    expect(completed('wf-stranger', flovyns)).toMatchObject({ correlationId: 'flovyn-corr', hopCount: 1 });
    expect(completed('wf-stranger').correlationId).toBeNull();
    // A promise event naming its workflow execution carries that workflow's cause (none is kept for a settlement).
    const resolved = mapped(
      mapLifecycleEvent(
        `flovyn.events.${ORG_ID}.promise.resolved`,
        JSON.stringify({
          event_type: 'PROMISE_RESOLVED',
          workflow_execution_id: 'wf-new',
          data: { promiseId: 'p-1' },
        }),
        ORGS,
        NOW,
        (id) => causes.get(id),
      ),
    ).event;
    expect(resolved).toMatchObject({ type: 'promise.resolved', correlationId: 'order-42', traceparent });
  });

  it('takes only a whole, non-negative hop count from metadata, and a trace id as a traceparent', () => {
    const hopsFrom = (hops: string) =>
      mapped(
        mapLifecycleEvent(
          `flovyn.events.${ORG_ID}.task.completed`,
          JSON.stringify({ event_type: 'TASK_COMPLETED', data: { metadata: { 'eventhook.hops': hops } } }),
          ORGS,
          NOW,
        ),
      ).event.hopCount;
    expect(hopsFrom('3')).toBe(4);
    // A forged count must not undo the hop limit.
    for (const forged of ['-100', 'Infinity', '1e9', '2.5', '']) expect(hopsFrom(forged), forged).toBe(1);

    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traced = mapped(
      mapLifecycleEvent(
        `flovyn.events.${ORG_ID}.task.completed`,
        JSON.stringify({ trace_id: trace }),
        ORGS,
        NOW,
      ),
    );
    expect(traced.event.traceparent).toMatch(new RegExp(`^00-${trace}-[0-9a-f]{16}-01$`));
    const dotless = mapped(
      mapLifecycleEvent(`flovyn.events.${ORG_ID}.x`, '{"event_type":"tasks"}', ORGS, NOW),
    );
    expect(dotless.event).toMatchObject({ type: 'tasks', source: FLOVYN_SOURCE, traceparent: null });
  });

  it('names event types as the local engine does', () => {
    expect(eventType('WORKFLOW_STARTED')).toBe('workflow.started');
    expect(eventType('CHILD_WORKFLOW_CANCELLATION_REQUESTED')).toBe('child_workflow.cancellation_requested');
    expect(eventType('TASK_CREATED')).toBe('task.created');
    expect(eventType('STATE_SET')).toBe('state.set');
    expect(eventType('SOMETHING_NEW')).toBe('something_new');
    expect(eventType('task.created')).toBe('task.created');
    const child = mapped(
      mapLifecycleEvent(
        `flovyn.events.${ORG_ID}.x`,
        '{"event_type":"CHILD_WORKFLOW_FAILED","data":{"childWorkflowId":"c"}}',
        ORGS,
        NOW,
      ),
    );
    expect(child.event.source).toBe('system:workflows');
  });

  it('skips, with the reason, what cannot be an event of a mapped org', () => {
    const skip = (subject: string, payload: string) => {
      const r = mapLifecycleEvent(subject, payload, ORGS, NOW);
      return 'skip' in r ? r.skip : 'mapped';
    };
    expect(skip(`flovyn.events.${ORG_ID}.task.created`, 'not json')).toBe('the payload is not JSON');
    expect(skip(`flovyn.events.${ORG_ID}.task.created`, '[1]')).toBe('the payload is not a JSON object');
    expect(skip('flovyn.events.other-org.task.created', '{}')).toBe(
      'Flovyn org other-org is not mapped to an Eventhook org',
    );
    expect(skip(`flovyn.events.${ORG_ID}`, '{}')).toMatch(/is not flovyn\.events\.\{org\}\.\{type\}/);
    expect(skip(`flovyn.events.${ORG_ID}.t`, JSON.stringify({ id: 'x'.repeat(300) }))).toBe(
      'the event id is longer than 256 characters',
    );
    expect(skip(`flovyn.events.${ORG_ID}.t`, '{}')).toBe('mapped');
  });
});
