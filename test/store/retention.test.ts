// Retention: pruning removes old events with their actions and attempts, and nothing newer; the local engine's
// workflows, tasks and promises that finished before the cutoff, never those still pending or running; and audit log
// entries made before the cutoff, of every org. An event's (and an audit entry's) id carries the time it was
// received (made); these were received at chosen times (as by another process), so their ids are made with the ulid
// package (newId never goes back in time within one process).
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntry } from '../../src/audit/audit-entry.js';
import { newId, type AuditEntryId, type EventId } from '../../src/core/ids.js';
import type { Store } from '../../src/store/port.js';
import type { AuditEntryRecord, ExecutionStatus, NewEvent } from '../../src/store/records.js';
import { newAction, pendingEvent, pendingTask } from '../helpers/records.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const eventAt = (time: number): NewEvent =>
  pendingEvent('acme', time, {
    id: `evt_${ulid(time)}` as EventId,
    source: 'app:x',
    type: 't',
    contentType: null,
    data: null,
  });
const auditEntryAt = (org: string, at: number): AuditEntryRecord => ({
  ...auditEntry(
    'source',
    { org, id: newId('source'), name: 'github' },
    { action: 'updated', fields: ['enabled'], actor: { kind: 'operator' }, at },
  ),
  id: `aud_${ulid(at)}` as AuditEntryId,
});

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`retention — ${factory.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await factory.open());
      await store.orgs.create({ slug: 'acme', name: 'Acme' }, T0);
      await store.orgs.create({ slug: 'globex', name: 'Globex' }, T0);
    });
    afterAll(async () => cleanup?.());

    it('prunes events older than the cutoff with their actions and attempts', async () => {
      const old = eventAt(T0);
      const recent = eventAt(T0 + 40 * DAY);
      await store.events.insert(old);
      await store.events.insert(recent);
      const action = {
        id: newId('action'),
        org: 'acme',
        eventId: old.id,
        ruleId: newId('rule'),
        ruleName: 'r',
        targetIndex: 0,
        targetType: 'task',
        target: {},
        routeSeq: 1,
        maxAttempts: 1,
        idempotencyKey: 'k',
        nextAttemptAt: T0,
      };
      await store.actions.insertMany([action], T0);
      await store.attempts.insert({
        id: newId('attempt'),
        actionId: action.id,
        org: 'acme',
        number: 1,
        startedAt: T0,
        latencyMs: 1,
        outcome: 'failed',
        statusCode: null,
        request: null,
        responseHeaders: null,
        responseBody: null,
        error: 'x',
        endpoint: null,
      });

      expect(await store.events.prune(T0 + 30 * DAY)).toBe(1);
      expect(await store.events.get('acme', old.id)).toBeUndefined();
      expect(await store.actions.get('acme', action.id)).toBeUndefined();
      expect(await store.attempts.listByAction('acme', action.id)).toEqual([]);
      expect(await store.events.get('acme', recent.id)).toBeDefined();
    });

    it('prunes in batches until nothing received before the cutoff is left, and keeps what came at the cutoff', async () => {
      const cutoff = T0 + 35 * DAY;
      const before = [7000, 6000, 5000, 4000, 3000, 2000, 1000, 1].map((ago) => eventAt(cutoff - ago));
      const atCutoff = eventAt(cutoff);
      for (const e of [...before, atCutoff]) await store.events.insert(e);
      const actions = before.map((e) => newAction('acme', { type: 'task' }, { eventId: e.id as EventId }));
      await store.actions.insertMany(actions, cutoff);

      expect(await store.events.prune(cutoff, 3)).toBe(before.length);
      for (const e of before) expect(await store.events.get('acme', e.id)).toBeUndefined();
      for (const a of actions) expect(await store.actions.get('acme', a.id)).toBeUndefined();
      expect(await store.events.get('acme', atCutoff.id)).toBeDefined();
      expect(await store.events.prune(cutoff, 3)).toBe(0);
    });

    it('prunes the workflows and tasks that finished before the cutoff, in batches, and never unfinished ones', async () => {
      const cutoff = T0 + 50 * DAY;
      const old = cutoff - 40 * DAY;
      // [status, completed at]: the finished ones before the cutoff go; pending and running stay however old.
      const cases: [ExecutionStatus, number | null, 'pruned' | 'kept'][] = [
        ['completed', cutoff - 1, 'pruned'],
        ['failed', cutoff - DAY, 'pruned'],
        ['cancelled', old, 'pruned'],
        ['completed', cutoff, 'kept'],
        ['failed', cutoff + DAY, 'kept'],
        ['running', null, 'kept'],
        ['pending', null, 'kept'],
      ];
      for (const repo of [store.workflows, store.tasks]) {
        const ids = new Map<string, 'pruned' | 'kept'>();
        for (const [status, completedAt, fate] of cases) {
          const id = newId('task');
          const record = pendingTask('acme', id, old);
          await repo.insertIdempotent(record);
          await repo.update('acme', id, null, {
            status,
            completedAt,
            ...(status === 'running' ? { workerId: 'w', leaseUntil: old, startedAt: old } : {}),
          });
          ids.set(id, fate);
        }
        expect(await repo.prune(cutoff, 2)).toBe(3);
        for (const [id, fate] of ids) {
          expect(await repo.get('acme', id), `${fate}: ${id}`)[
            fate === 'pruned' ? 'toBeUndefined' : 'toBeDefined'
          ]();
        }
        expect(await repo.prune(cutoff, 2)).toBe(0);
      }
    });

    it('prunes the promises settled before the cutoff, and never pending ones', async () => {
      const cutoff = T0 + 60 * DAY;
      const make = async (settledAt: number | null, status: 'resolved' | 'rejected' = 'resolved') => {
        const id = newId('promise');
        await store.promises.insert({
          id,
          org: 'acme',
          key: id,
          status: 'pending',
          value: null,
          error: null,
          workflowId: null,
          createdAt: cutoff - 40 * DAY,
          settledAt: null,
        });
        if (settledAt !== null)
          await store.promises.settle('acme', id, { status, value: 1, error: null }, settledAt);
        return id;
      };
      const pruned = [
        await make(cutoff - 1),
        await make(cutoff - DAY, 'rejected'),
        await make(cutoff - 9 * DAY),
      ];
      const kept = [await make(cutoff), await make(cutoff + 1, 'rejected'), await make(null)];
      expect(await store.promises.prune(cutoff, 2)).toBe(pruned.length);
      for (const id of pruned) expect(await store.promises.get('acme', id)).toBeUndefined();
      for (const id of kept) expect(await store.promises.get('acme', id)).toBeDefined();
      expect(await store.promises.prune(cutoff, 2)).toBe(0);
    });

    it('prunes the audit log entries of every org made before the cutoff, in batches, and keeps the newer ones', async () => {
      const cutoff = T0 + 70 * DAY;
      const auditIds = async (org: string) =>
        (await store.auditLog.list(org, {}, { limit: 100 })).items.map((e) => e.id).sort();
      const pruned: AuditEntryRecord[] = [];
      const kept: AuditEntryRecord[] = [];
      for (const org of ['acme', 'globex']) {
        pruned.push(...[40 * DAY, DAY, 1000, 1].map((ago) => auditEntryAt(org, cutoff - ago)));
        kept.push(auditEntryAt(org, cutoff), auditEntryAt(org, cutoff + DAY));
      }
      for (const e of [...pruned, ...kept]) await store.auditLog.insert(e);

      // 8 entries, 3 a batch: the last batch comes back short.
      expect(await store.auditLog.prune(cutoff, 3)).toBe(pruned.length);
      for (const org of ['acme', 'globex']) {
        const keptIds = kept.filter((e) => e.org === org).map((e) => e.id);
        expect(await auditIds(org)).toEqual(keptIds.sort());
      }
      expect(await store.auditLog.prune(cutoff, 3)).toBe(0);
      // A batch as large as what is left: the batch comes back full, and the next one finds nothing.
      expect(await store.auditLog.prune(cutoff + DAY + 1, 4)).toBe(4);
      expect(await auditIds('acme')).toEqual([]);
      expect(await auditIds('globex')).toEqual([]);
    });
  });
}
