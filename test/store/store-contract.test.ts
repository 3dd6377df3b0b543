// The Store contract: the same behaviour from the SQLite and the PostgreSQL adapter.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, type EventId, type SourceId } from '../../src/core/ids.js';
import type { Store } from '../../src/store/port.js';
import type { NewAction, NewEvent, PromiseRecord, SourceRecord } from '../../src/store/records.js';
import {
  endpointRecord,
  newAction,
  pendingEvent,
  pendingTask,
  pendingWorkflow,
  ruleRecord,
} from '../helpers/records.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 5, 1);

/** A pending event of `org` that says it happened at T0, its id minted now as ingest mints it. */
const newEvent = (org: string, over: Partial<NewEvent> = {}): NewEvent =>
  pendingEvent(org, T0, { id: newId('event'), data: { n: 1 }, ...over });

function source(org: string, slug: string): SourceRecord {
  return {
    id: newId('source'),
    org,
    slug,
    name: slug,
    description: '',
    provider: 'github',
    verifier: { type: 'hmac' },
    secrets: [],
    settings: {},
    enabled: true,
    createdAt: T0,
    updatedAt: T0,
    deletedAt: null,
  };
}

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`Store contract — ${factory.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let url: string;

    beforeAll(async () => {
      ({ store, cleanup, url } = await factory.open());
      await store.orgs.create({ slug: 'acme', name: 'Acme' }, T0);
      await store.orgs.create({ slug: 'other', name: 'Other' }, T0);
    });
    afterAll(async () => cleanup?.());

    it('refuses a second org with the same slug', async () => {
      await expect(store.orgs.create({ slug: 'acme', name: 'again' }, T0)).rejects.toMatchObject({
        code: 'EH_ORG_EXISTS',
      });
      expect((await store.orgs.list()).map((o) => o.slug)).toEqual(['acme', 'other']);
    });

    it('keeps API keys by hash and forgets revoked ones', async () => {
      const id = newId('apiKey');
      await store.apiKeys.insert({
        id,
        org: 'acme',
        name: 'ci',
        role: 'member',
        prefix: 'ehk_abc',
        hash: 'h1',
        createdAt: T0,
        lastUsedAt: null,
        revokedAt: null,
        expiresAt: T0 + 86_400_000,
      });
      expect(await store.apiKeys.findActiveByHash('h1')).toMatchObject({
        id,
        org: 'acme',
        role: 'member',
        expiresAt: T0 + 86_400_000,
      });
      await store.apiKeys.touch(id, T0 + 5);
      expect((await store.apiKeys.list('acme'))[0]?.lastUsedAt).toBe(T0 + 5);
      expect(await store.apiKeys.revoke('other', id, T0)).toBe(false);
      expect(await store.apiKeys.revoke('acme', id, T0)).toBe(true);
      expect(await store.apiKeys.findActiveByHash('h1')).toBeUndefined();
      // Read by id, revoked or not, and only in its own org.
      expect(await store.apiKeys.get('acme', id)).toMatchObject({ id, revokedAt: T0 });
      expect(await store.apiKeys.get('other', id)).toBeUndefined();
    });

    it('frees a source slug on soft delete and keeps the old record readable', async () => {
      const first = source('acme', 'gh');
      await store.sources.insert(first);
      await expect(store.sources.insert(source('acme', 'gh'))).rejects.toMatchObject({
        code: 'EH_SOURCE_EXISTS',
      });
      await store.sources.insert(source('other', 'gh'));
      expect(await store.sources.softDelete('acme', 'gh', T0 + 1)).toBe(true);
      expect(await store.sources.get('acme', 'gh')).toBeUndefined();
      expect((await store.sources.getById(first.id))?.deletedAt).toBe(T0 + 1);
      await store.sources.insert(source('acme', 'gh'));
      expect((await store.sources.list('acme', { includeDeleted: true })).length).toBe(2);
    });

    it('soft-deletes sources, rules and endpoints at a given version only while they are at it', async () => {
      const gh = { ...source('acme', 'versioned'), updatedAt: T0 + 5 };
      await store.sources.insert(gh);
      expect(await store.sources.softDelete('acme', 'versioned', T0 + 9, T0 + 4)).toBe(false);
      expect(await store.sources.get('acme', 'versioned')).toBeDefined();
      expect(await store.sources.softDelete('acme', 'versioned', T0 + 9, T0 + 5)).toBe(true);
      expect(await store.sources.get('acme', 'versioned')).toBeUndefined();

      const rule = ruleRecord('acme', 'versioned', T0 + 5);
      await store.transaction(async (tx) => tx.rules.insert(rule));
      const version = (await store.orgs.get('acme'))!.rulesVersion;
      expect(await store.transaction((tx) => tx.rules.softDelete('acme', rule.id, T0 + 9, T0 + 4))).toBe(
        false,
      );
      // A refused delete is no rule change: compiled rules are not thrown away for it.
      expect((await store.orgs.get('acme'))!.rulesVersion).toBe(version);
      expect(await store.transaction((tx) => tx.rules.softDelete('acme', rule.id, T0 + 9, T0 + 5))).toBe(
        true,
      );
      expect(await store.rules.get('acme', rule.id)).toBeUndefined();

      await store.endpoints.insert(endpointRecord('acme', 'versioned', T0 + 5));
      expect(await store.endpoints.softDelete('acme', 'versioned', T0 + 9, T0 + 4)).toBe(false);
      expect(await store.endpoints.get('acme', 'versioned')).toBeDefined();
      expect(await store.endpoints.softDelete('acme', 'versioned', T0 + 9, T0 + 5)).toBe(true);
      expect(await store.endpoints.get('acme', 'versioned')).toBeUndefined();
    });

    it('bumps the org rules version with every rule change', async () => {
      const before = (await store.orgs.get('acme'))!.rulesVersion;
      const rule = ruleRecord('acme', 'r1', T0);
      await store.transaction(async (tx) => tx.rules.insert(rule));
      const disabled = { ...rule, enabled: false, updatedAt: T0 + 1 };
      // Saved only from the version it was read at; a stale save changes nothing (not even the rules version).
      expect(await store.transaction(async (tx) => tx.rules.update(disabled, T0 - 1))).toBe(false);
      expect(await store.transaction(async (tx) => tx.rules.update(disabled, T0))).toBe(true);
      await store.transaction(async (tx) => tx.rules.softDelete('acme', rule.id, T0 + 2));
      // A save racing the delete does not bring the rule back.
      expect(await store.transaction(async (tx) => tx.rules.update(disabled, T0 + 1))).toBe(false);
      expect((await store.orgs.get('acme'))!.rulesVersion).toBe(before + 3);
      expect(await store.rules.get('acme', rule.id)).toBeUndefined();
      expect((await store.rules.get('acme', rule.id, { includeDeleted: true }))?.enabled).toBe(false);
    });

    it('keeps raw bytes exactly', async () => {
      const raw = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x7b, 0x22, 0xc3, 0xa4]);
      const e = newEvent('acme', { rawBody: raw, contentType: 'application/octet-stream' });
      await store.transaction((tx) => tx.events.ingest([{ event: e }], T0));
      const got = await store.events.getRaw('acme', e.id);
      expect(Buffer.compare(got!.body!, raw)).toBe(0);
      expect(await store.events.getRaw('other', e.id)).toBeUndefined();
    });

    it('stores a JSON body given with its text once, and reads the exact bytes back from the data', async () => {
      const text = '{ "note": "\\u00e4 ä",\n  "n": 1.50, "big": 12345678901234567890 }';
      const e = newEvent('acme', {
        rawBody: Buffer.from(text, 'utf8'),
        bodyText: text,
        data: JSON.parse(text) as NewEvent['data'],
      });
      await store.commitIngest([{ event: e }], T0);
      const got = await store.events.getRaw('acme', e.id);
      expect(got?.body?.toString('utf8')).toBe(text);
      expect(got?.contentType).toBe('application/json');
      expect((await store.events.get('acme', e.id))?.data).toEqual(JSON.parse(text));
      if (factory.name === 'sqlite') {
        const db = new Database(url.slice('sqlite:'.length), { readonly: true });
        const row = db.prepare('select raw_body, raw_in_data, data from events where id = ?').get(e.id);
        db.close();
        expect(row).toEqual({ raw_body: null, raw_in_data: 1, data: text });
      }
    });

    it('deduplicates on the idempotency key within its window, in and across batches', async () => {
      const sourceId = newId('source') as SourceId;
      const dedup = { sourceId, key: 'delivery-1', windowMs: 1000 };
      const a = newEvent('acme');
      const b = newEvent('acme');
      const first = await store.transaction((tx) =>
        tx.events.ingest(
          [
            { event: a, dedup },
            { event: b, dedup },
          ],
          T0,
        ),
      );
      expect(first).toEqual([
        { eventId: a.id, duplicate: false },
        { eventId: a.id, duplicate: true },
      ]);
      const c = newEvent('acme');
      expect(await store.transaction((tx) => tx.events.ingest([{ event: c, dedup }], T0 + 999))).toEqual([
        { eventId: a.id, duplicate: true },
      ]);
      expect(await store.events.get('acme', b.id)).toBeUndefined();
      // After the window the key is free again.
      const d = newEvent('acme');
      expect(await store.transaction((tx) => tx.events.ingest([{ event: d, dedup }], T0 + 1000))).toEqual([
        { eventId: d.id, duplicate: false },
      ]);
    });

    it('claims the keys of a mixed batch together: new, live, expired, repeated and keyless items', async () => {
      const sourceId = newId('source') as SourceId;
      const live = { sourceId, key: 'live', windowMs: 10_000 };
      const expiring = { sourceId, key: 'expiring', windowMs: 100 };
      const owner = newEvent('acme');
      const old = newEvent('acme');
      await store.transaction((tx) =>
        tx.events.ingest(
          [
            { event: owner, dedup: live },
            { event: old, dedup: expiring },
          ],
          T0,
        ),
      );
      const [n1, n2, l, x, r, k] = Array.from({ length: 6 }, () => newEvent('acme'));
      const other = { sourceId: newId('source') as SourceId, key: 'live', windowMs: 50 };
      const got = await store.transaction((tx) =>
        tx.events.ingest(
          [
            { event: n1!, dedup: { sourceId, key: 'new-1', windowMs: 1000 } },
            { event: l!, dedup: live },
            { event: x!, dedup: expiring },
            { event: n2!, dedup: other },
            { event: r!, dedup: { sourceId, key: 'new-1', windowMs: 1000 } },
            { event: k! },
          ],
          T0 + 500,
        ),
      );
      expect(got).toEqual([
        { eventId: n1!.id, duplicate: false },
        { eventId: owner.id, duplicate: true },
        { eventId: x!.id, duplicate: false },
        { eventId: n2!.id, duplicate: false },
        { eventId: n1!.id, duplicate: true },
        { eventId: k!.id, duplicate: false },
      ]);
      // Each key keeps its own window: the taken-over key now expires 100 ms after the batch, the other source's 50.
      const again = newEvent('acme');
      expect(
        await store.transaction((tx) =>
          tx.events.ingest(
            [
              { event: again, dedup: expiring },
              { event: newEvent('acme'), dedup: other },
            ],
            T0 + 560,
          ),
        ),
      ).toEqual([
        { eventId: x!.id, duplicate: true },
        { eventId: expect.any(String), duplicate: false },
      ]);
    });

    it('refuses a used replay key for another event, answers the same request again as a duplicate', async () => {
      const sourceId = newId('source') as SourceId;
      const token = (key: string) => ({ sourceId, key: `replay:${key}`, windowMs: 1000 });
      const dedup = (key: string) => ({ sourceId, key, windowMs: 1000 });
      const [a, b, c, d] = Array.from({ length: 4 }, () => newEvent('acme'));
      // commitIngest: on SQLite the writer thread runs the batch, elsewhere a transaction.
      expect(
        await store.commitIngest(
          [
            { event: a!, dedup: dedup('e1'), replay: token('t1') },
            // Same token, another body: refused, and its idempotency key stays free.
            { event: b!, dedup: dedup('e2'), replay: token('t1') },
            // A fresh token for an event already stored: a duplicate, as without a replay key.
            { event: c!, dedup: dedup('e1'), replay: token('t2') },
            // The same request again: a duplicate too, not a replay.
            { event: newEvent('acme'), dedup: dedup('e1'), replay: token('t1') },
          ],
          T0,
        ),
      ).toEqual([
        { eventId: a!.id, duplicate: false },
        { eventId: a!.id, duplicate: true, replayed: true },
        { eventId: a!.id, duplicate: true },
        { eventId: a!.id, duplicate: true },
      ]);
      expect(
        await store.commitIngest(
          [
            { event: d!, dedup: dedup('e2'), replay: token('t1') },
            { event: b!, dedup: dedup('e2'), replay: token('t3') },
            { event: a!, dedup: dedup('e1'), replay: token('t1') },
          ],
          T0 + 10,
        ),
      ).toEqual([
        // The replay did not take e2: the genuine e2 after it is new.
        { eventId: a!.id, duplicate: true, replayed: true },
        { eventId: b!.id, duplicate: false },
        { eventId: a!.id, duplicate: true },
      ]);
      expect(await store.events.get('acme', d!.id)).toBeUndefined();
      expect((await store.events.get('acme', b!.id))?.id).toBe(b!.id);
      // A replay key expires like an idempotency key.
      const late = newEvent('acme');
      expect(await store.commitIngest([{ event: late, replay: token('t1') }], T0 + 1000)).toEqual([
        { eventId: late.id, duplicate: false },
      ]);
    });

    it('answers a request sent again as a duplicate: after its idempotency key expired, or when it was a duplicate itself', async () => {
      const sourceId = newId('source') as SourceId;
      const token = (key: string) => ({ sourceId, key: `replay:${key}`, windowMs: 1000 });
      // The idempotency key's window is shorter than the replay key's, as when a source's dedup window is short.
      const dedup = (key: string) => ({ sourceId, key, windowMs: 100 });
      const request = (key: string, replay: string) => ({
        event: newEvent('acme', { sourceId, idempotencyKey: key }),
        dedup: dedup(key),
        replay: token(replay),
      });
      const first = request('e1', 't1');
      const a = first.event.id;
      expect(
        await store.commitIngest(
          [
            first,
            // A retry of it, signed afresh: a duplicate. The same retry once more: a duplicate too, not a replay.
            request('e1', 't2'),
            request('e1', 't2'),
          ],
          T0,
        ),
      ).toEqual([
        { eventId: a, duplicate: false },
        { eventId: a, duplicate: true },
        { eventId: a, duplicate: true },
      ]);
      expect(await store.commitIngest([request('e1', 't2')], T0 + 10)).toEqual([
        { eventId: a, duplicate: true },
      ]);
      // Past the idempotency key's window, within the replay keys': each request again is still a duplicate of a,
      // and another body under a used token is still refused.
      expect(
        await store.commitIngest([request('e1', 't1'), request('e1', 't2'), request('e9', 't1')], T0 + 200),
      ).toEqual([
        { eventId: a, duplicate: true },
        { eventId: a, duplicate: true },
        { eventId: a, duplicate: true, replayed: true },
      ]);
      // The refused body took nothing: e9 with a fresh token is new.
      const genuine = request('e9', 't9');
      expect(await store.commitIngest([genuine], T0 + 210)).toEqual([
        { eventId: genuine.event.id, duplicate: false },
      ]);
    });

    it('routes an event once: the second finishRouting changes nothing', async () => {
      const e = newEvent('acme');
      await store.events.insert(e);
      expect((await store.events.listPending(1000)).some((p) => p.id === e.id)).toBe(true);
      expect(await store.events.finishRouting(e.id, 'routed', T0 + 1, null)).toBe(true);
      expect(await store.events.finishRouting(e.id, 'unrouted', T0 + 2, null)).toBe(false);
      const got = await store.events.get('acme', e.id);
      expect(got).toMatchObject({ status: 'routed', routeSeq: 1, routedAt: T0 + 1 });
      expect(await store.events.requeue('acme', [e.id])).toBe(1);
      expect(await store.events.finishRouting(e.id, 'unrouted', T0 + 3, null)).toBe(true);
      expect((await store.events.get('acme', e.id))?.routeSeq).toBe(2);
    });

    it('paginates events newest first, stable while new events arrive', async () => {
      const org = 'other';
      const ids: EventId[] = [];
      for (let i = 0; i < 7; i++) {
        const e = newEvent(org, { type: i % 2 ? 'odd' : 'even', time: T0 + i });
        ids.push(e.id);
        await store.events.insert(e);
      }
      const p1 = await store.events.list(org, {}, { limit: 3 });
      expect(p1.items.map((e) => e.id)).toEqual(ids.slice(-3).reverse());
      await store.events.insert(newEvent(org)); // arrives between pages
      const p2 = await store.events.list(org, {}, { limit: 3, before: p1.next! });
      const p3 = await store.events.list(org, {}, { limit: 3, before: p2.next! });
      expect([...p2.items, ...p3.items].map((e) => e.id)).toEqual(ids.slice(0, 4).reverse());
      expect(p3.next).toBeNull();
      expect((await store.events.list(org, { type: 'odd' }, { limit: 10 })).items).toHaveLength(3);
      expect(await store.events.count(org, { since: T0 + 2, until: T0 + 5 })).toBe(3);
      expect((await store.events.list(org, { text: 'od' }, { limit: 10 })).items).toHaveLength(3);
    });

    it('claims each due action once, re-claims it after its lease expires, and dead-letters it', async () => {
      const event = newEvent('acme');
      await store.events.insert(event);
      const mk = (i: number) => ({
        id: newId('action'),
        org: 'acme',
        eventId: event.id,
        ruleId: newId('rule'),
        ruleName: 'r',
        targetIndex: i,
        targetType: 'task',
        target: { type: 'task', kind: 'k' },
        routeSeq: 1,
        maxAttempts: 2,
        idempotencyKey: `k${i}`,
        nextAttemptAt: T0,
      });
      const actions = [mk(0), mk(1), mk(2)];
      await store.actions.insertMany(actions, T0);
      const [a, b] = await Promise.all([
        store.actions.claimDue(T0, 2, 1000),
        store.actions.claimDue(T0, 2, 1000),
      ]);
      const claimed = [...a!, ...b!].map((x) => x.id).sort();
      expect(claimed).toEqual(actions.map((x) => x.id).sort());
      expect(await store.actions.claimDue(T0 + 999, 10, 1000)).toEqual([]);
      const again = await store.actions.claimDue(T0 + 1001, 10, 1000);
      expect(again.map((x) => x.attempts)).toEqual([2, 2, 2]);
      // Renewal extends only the lease of the claim that holds the action (attempt 2), not a superseded one.
      expect(
        await store.actions.renewLeases(
          [
            { id: actions[0]!.id, attempt: 1 },
            { id: actions[1]!.id, attempt: 2 },
          ],
          T0 + 9000,
        ),
      ).toBe(1);
      expect((await store.actions.get('acme', actions[1]!.id))?.leaseUntil).toBe(T0 + 9000);
      expect((await store.actions.get('acme', actions[0]!.id))?.leaseUntil).toBe(T0 + 2001);
      // The first claims' attempts (number 1) outlived their leases: they no longer settle anything.
      expect(await store.actions.succeed(actions[0]!.id, 1, { ok: true }, T0 + 1002)).toBe(false);
      expect(await store.actions.fail(actions[1]!.id, 1, 'late', null, T0 + 1002)).toBe(false);
      expect(await store.actions.succeed(actions[0]!.id, 2, { ok: true }, T0 + 1002)).toBe(true);
      expect(await store.actions.fail(actions[1]!.id, 2, 'boom', T0 + 5000, T0 + 1002)).toBe(true);
      expect(await store.actions.fail(actions[2]!.id, 2, 'boom', null, T0 + 1002)).toBe(true);
      // Settled once: a repeat (or a straggler of the same attempt) changes nothing.
      expect(await store.actions.fail(actions[0]!.id, 2, 'late', null, T0 + 1003)).toBe(false);
      expect((await store.actions.get('acme', actions[0]!.id))?.status).toBe('succeeded');
      expect(await store.actions.nextDueAt()).toBe(T0 + 5000);
      const byEvent = await store.actions.listByEvent('acme', event.id);
      expect(byEvent.map((x) => x.status)).toEqual(['succeeded', 'failed', 'dead']);
      expect(
        (await store.actions.list('acme', { status: 'dead' }, { limit: 10 })).items.map((x) => x.id),
      ).toEqual([actions[2]!.id]);
      expect(await store.actions.retry('acme', [actions[2]!.id, actions[0]!.id], T0 + 2000)).toBe(1);
      const retried = await store.actions.get('acme', actions[2]!.id);
      expect(retried).toMatchObject({ status: 'pending', maxAttempts: 3, attempts: 2 });
      // A failed action, still on its schedule, is brought forward and keeps the attempts it had left.
      const later = { ...mk(3), maxAttempts: 8 };
      await store.actions.insertMany([later], T0);
      expect(await store.actions.claim([later.id], T0 + 1000, 1000)).toHaveLength(1);
      expect(await store.actions.fail(later.id, 1, 'busy', T0 + 60_000, T0 + 1001)).toBe(true);
      expect(await store.actions.retry('acme', [later.id, actions[1]!.id], T0 + 2000)).toBe(2);
      expect(await store.actions.get('acme', later.id)).toMatchObject({
        status: 'pending',
        maxAttempts: 8,
        attempts: 1,
        nextAttemptAt: T0 + 2000,
      });
      // One that had no attempt left on its schedule still gets one.
      expect(await store.actions.get('acme', actions[1]!.id)).toMatchObject({ maxAttempts: 3, attempts: 2 });
    });

    it('names the holder of each lease and ends the leases of holders gone, so their actions are due again', async () => {
      const event = newEvent('acme');
      await store.events.insert(event);
      const [a, b, c] = [0, 1, 2].map((i) =>
        newAction(
          'acme',
          { type: 'task', kind: 'k' },
          { eventId: event.id, targetIndex: i, nextAttemptAt: T0 },
        ),
      ) as [NewAction, NewAction, NewAction];
      await store.actions.insertMany([a, b, c], T0);
      expect(await store.actions.claim([a.id], T0, 60_000, 'wrk_dead')).toHaveLength(1);
      expect(await store.actions.claim([b.id], T0, 60_000, 'wrk_alive')).toHaveLength(1);
      expect(await store.actions.claim([c.id], T0, 60_000)).toHaveLength(1);
      expect((await store.actions.leaseHolders(T0 + 1000)).sort()).toEqual(['wrk_alive', 'wrk_dead']);
      // Under their 60 s leases nothing is due.
      expect(await store.actions.claimDue(T0 + 1000, 10, 60_000)).toEqual([]);
      expect(await store.actions.releaseHeldBy(['wrk_dead'], T0 + 1000)).toBe(1);
      expect(await store.actions.leaseHolders(T0 + 1000)).toEqual(['wrk_alive']);
      const retaken = await store.actions.claimDue(T0 + 1001, 10, 60_000, 'wrk_alive');
      expect(retaken.map((x) => [x.id, x.attempts])).toEqual([[a.id, 2]]);
      // The dead holder's attempt no longer settles it; the new one does.
      expect(await store.actions.succeed(a.id, 1, { late: true }, T0 + 1002)).toBe(false);
      expect(await store.actions.succeed(a.id, 2, { ok: true }, T0 + 1002)).toBe(true);
      // Nothing of a live holder's, and no lease that already ran out, is touched.
      expect(await store.actions.releaseHeldBy(['wrk_dead', 'wrk_nobody'], T0 + 1003)).toBe(0);
      expect((await store.actions.get('acme', b.id))?.leaseUntil).toBe(T0 + 60_000);
      for (const [x, attempt] of [
        [b, 1],
        [c, 1],
      ] as const)
        expect(await store.actions.succeed(x.id, attempt, { ok: true }, T0 + 1004)).toBe(true);
      expect(await store.actions.leaseHolders(T0 + 1005)).toEqual([]);
    });

    it('starts an execution once per idempotency key and hands it to one worker', async () => {
      const wf = (id: string) =>
        pendingWorkflow('acme', id, T0, { kind: 'on-push', input: { a: 1 }, idempotencyKey: 'evt:rule:0' });
      const first = await store.workflows.insertIdempotent(wf('wf_1'));
      const second = await store.workflows.insertIdempotent(wf('wf_2'));
      expect(first.created).toBe(true);
      expect(second).toMatchObject({ created: false, record: { id: 'wf_1' } });
      const claims = await Promise.all(
        ['w1', 'w2'].map((workerId) =>
          store.workflows.claim('acme', {
            kinds: ['on-push'],
            queue: 'default',
            workerId,
            claimer: 'key_a',
            leaseUntil: T0 + 10,
            now: T0,
          }),
        ),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      const owner = claims.find(Boolean)!.workerId!;
      expect(
        await store.workflows.update(
          'acme',
          'wf_1',
          { workerId: 'intruder', claimer: 'key_a' },
          { status: 'completed' },
        ),
      ).toBeUndefined();
      // Its workerId sent with another key is no holder either: the key that claimed it is part of the claim.
      expect(
        await store.workflows.update(
          'acme',
          'wf_1',
          { workerId: owner, claimer: 'key_b' },
          { leaseUntil: T0 + 10 },
        ),
      ).toBeUndefined();
      expect(
        await store.workflows.update(
          'acme',
          'wf_1',
          { workerId: owner, claimer: 'key_a' },
          { leaseUntil: T0 + 10 },
        ),
      ).toMatchObject({ id: 'wf_1', status: 'running', workerId: owner });
      const released = await store.workflows.releaseExpired(T0 + 11, 'lease expired', 3);
      expect(released.retried.map((w) => w.id)).toEqual(['wf_1']);
      expect(released.failed).toEqual([]);
      expect(
        await store.workflows.update(
          'acme',
          'wf_1',
          { workerId: owner, claimer: 'key_a' },
          { status: 'completed' },
        ),
      ).toBeUndefined();
      const task = await store.tasks.insertIdempotent({
        ...wf('task_1'),
        kind: 't',
        maxRetries: 2,
        executionCount: 0,
      });
      const claimed = await store.tasks.claim('acme', {
        kinds: [],
        queue: 'default',
        workerId: 'w',
        claimer: 'key_a',
        leaseUntil: T0 + 10,
        now: T0,
      });
      expect(claimed).toMatchObject({
        id: task.record.id,
        executionCount: 1,
        maxRetries: 2,
        status: 'running',
      });
    });

    it('ends an expired task lease as a failed execution: back to pending with retries left, else failed', async () => {
      const task = (id: string, maxRetries: number) =>
        pendingTask('acme', id, T0, {
          kind: 'lease',
          queue: 'leases',
          idempotencyKey: `lease:${id}`,
          maxRetries,
        });
      await store.tasks.insertIdempotent(task('task_lease_a', 1));
      await store.tasks.insertIdempotent(task('task_lease_b', 0));
      const claimOne = (leaseUntil: number) =>
        store.tasks.claim('acme', {
          kinds: ['lease'],
          queue: 'leases',
          workerId: 'w',
          claimer: 'key_a',
          leaseUntil,
          now: T0,
        });
      // Executions of the tests before may still be running (under leases up to T0 + 10): release those first.
      await store.tasks.releaseExpired(T0 + 50, 'lease expired', 3);
      await store.workflows.releaseExpired(T0 + 50, 'lease expired', 3);
      await claimOne(T0 + 100);
      await claimOne(T0 + 100);
      expect(await store.tasks.releaseExpired(T0 + 100, 'lease expired', 3)).toEqual({
        retried: [],
        failed: [],
      });
      const first = await store.tasks.releaseExpired(T0 + 101, 'lease expired', 3);
      expect(first.retried).toMatchObject([
        { id: 'task_lease_a', status: 'pending', error: 'lease expired', workerId: null, leaseUntil: null },
      ]);
      expect(first.failed).toMatchObject([
        {
          id: 'task_lease_b',
          status: 'failed',
          error: 'lease expired (after 1 execution)',
          workerId: 'w',
          leaseUntil: null,
          completedAt: T0 + 101,
        },
      ]);
      expect(await claimOne(T0 + 200)).toMatchObject({ id: 'task_lease_a', executionCount: 2 });
      const second = await store.tasks.releaseExpired(T0 + 201, 'lease expired', 3);
      expect(second.retried).toEqual([]);
      expect(second.failed).toMatchObject([
        {
          id: 'task_lease_a',
          status: 'failed',
          error: 'lease expired (after 2 executions)',
          executionCount: 2,
        },
      ]);
    });

    it('sends a workflow back after an expired lease up to workflowLeaseRetries times, then fails it', async () => {
      await store.workflows.insertIdempotent(
        pendingWorkflow('acme', 'wf_lease', T0, {
          kind: 'wf-lease',
          queue: 'leases',
          idempotencyKey: 'lease:wf_lease',
        }),
      );
      const claimIt = (leaseUntil: number) =>
        store.workflows.claim('acme', {
          kinds: ['wf-lease'],
          queue: 'leases',
          workerId: 'w',
          claimer: 'key_a',
          leaseUntil,
          now: T0,
        });
      expect(await claimIt(T0 + 300)).toMatchObject({ id: 'wf_lease' });
      const first = await store.workflows.releaseExpired(T0 + 301, 'lease expired', 1);
      expect(first).toMatchObject({
        retried: [{ id: 'wf_lease', status: 'pending', error: 'lease expired', workerId: null }],
        failed: [],
      });
      expect(await claimIt(T0 + 400)).toMatchObject({ id: 'wf_lease' });
      const second = await store.workflows.releaseExpired(T0 + 401, 'lease expired', 1);
      expect(second.retried).toEqual([]);
      expect(second.failed).toMatchObject([
        {
          id: 'wf_lease',
          status: 'failed',
          error: 'lease expired (after 2 expired leases)',
          workerId: 'w',
          leaseUntil: null,
          completedAt: T0 + 401,
        },
      ]);
      expect(await claimIt(T0 + 500)).toBeUndefined();
    });

    it('settles a promise once', async () => {
      await store.promises.insert({
        id: 'prm_1',
        org: 'acme',
        key: 'stripe:pi_1',
        status: 'pending',
        value: null,
        error: null,
        workflowId: null,
        createdAt: T0,
        settledAt: null,
      });
      await expect(
        store.promises.insert({
          id: 'prm_2',
          org: 'acme',
          key: 'stripe:pi_1',
          status: 'pending',
          value: null,
          error: null,
          workflowId: null,
          createdAt: T0,
          settledAt: null,
        }),
      ).rejects.toMatchObject({ code: 'EH_ENGINE_CONFLICT' });
      const first = await store.promises.settle(
        'acme',
        'prm_1',
        { status: 'resolved', value: { paid: true }, error: null },
        T0 + 1,
      );
      const second = await store.promises.settle(
        'acme',
        'prm_1',
        { status: 'rejected', value: null, error: 'x' },
        T0 + 2,
      );
      expect(first).toMatchObject({ settled: true, record: { status: 'resolved', value: { paid: true } } });
      expect(second).toMatchObject({ settled: false, record: { status: 'resolved', settledAt: T0 + 1 } });
      expect((await store.promises.getByKey('acme', 'stripe:pi_1'))?.id).toBe('prm_1');
    });

    it('rejects the pending promises of one workflow, leaving settled ones and other workflows’ as they are', async () => {
      const promise = (id: string, org: string, workflowId: string | null): PromiseRecord => ({
        id,
        org,
        key: null,
        status: 'pending',
        value: null,
        error: null,
        workflowId,
        createdAt: T0,
        settledAt: null,
      });
      for (const p of [
        promise('prm_wa2', 'acme', 'wf_a'),
        promise('prm_wa1', 'acme', 'wf_a'),
        promise('prm_wa3', 'acme', 'wf_a'),
        promise('prm_wb1', 'acme', 'wf_b'),
        promise('prm_wa9', 'other', 'wf_a'),
        promise('prm_none', 'acme', null),
      ])
        await store.promises.insert(p);
      await store.promises.settle('acme', 'prm_wa3', { status: 'resolved', value: 3, error: null }, T0 + 1);

      const rejected = await store.promises.rejectPendingOfWorkflow(
        'acme',
        'wf_a',
        'Workflow wf_a was cancelled: x',
        T0 + 2,
      );
      expect(rejected).toEqual(
        ['prm_wa1', 'prm_wa2'].map((id) => ({
          ...promise(id, 'acme', 'wf_a'),
          status: 'rejected',
          error: 'Workflow wf_a was cancelled: x',
          settledAt: T0 + 2,
        })),
      );
      for (const r of rejected) expect(await store.promises.get('acme', r.id)).toEqual(r);
      expect(await store.promises.get('acme', 'prm_wa3')).toMatchObject({
        status: 'resolved',
        value: 3,
        settledAt: T0 + 1,
      });
      for (const [org, id] of [
        ['acme', 'prm_wb1'],
        ['other', 'prm_wa9'],
        ['acme', 'prm_none'],
      ] as const)
        expect((await store.promises.get(org, id))?.status, id).toBe('pending');
      // Again: nothing left to reject.
      expect(await store.promises.rejectPendingOfWorkflow('acme', 'wf_a', 'again', T0 + 3)).toEqual([]);
      expect(
        await store.promises.settle('acme', 'prm_wa1', { status: 'resolved', value: 1, error: null }, T0 + 4),
      ).toMatchObject({
        settled: false,
        record: { status: 'rejected', settledAt: T0 + 2 },
      });
    });

    it('rolls a failed transaction back entirely', async () => {
      const e = newEvent('acme');
      await expect(
        store.transaction(async (tx) => {
          await tx.events.insert(e);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await store.events.get('acme', e.id)).toBeUndefined();
    });
  });
}
