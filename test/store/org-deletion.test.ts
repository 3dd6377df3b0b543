// Deleting an org in the store: retiring it stops everything it has in one transaction, the purge takes every row
// it had (a batch at a time, other orgs untouched), and its row goes only once nothing of it is left.
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntry } from '../../src/audit/index.js';
import type { EventhookError } from '../../src/core/errors.js';
import { newId, type EventId } from '../../src/core/ids.js';
import { ORG_CHILD_TABLES, ORG_TABLES } from '../../src/store/kysely/org-purge.js';
import type { Store } from '../../src/store/port.js';
import { migratedUpTo, type OlderDatabase } from '../helpers/migrations.js';
import {
  endpointRecord,
  newAction,
  pendingEvent,
  pendingTask,
  pendingWorkflow,
  ruleRecord,
} from '../helpers/records.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 11, 7, 9);
/** Tables that belong to no org. */
const SHARED_TABLES = ['orgs', 'settings', 'workers', 'eventhook_migrations', 'eventhook_migrations_lock'];

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`deleting an org — ${factory.name}`, () => {
    let setup: OlderDatabase;
    let store: Store;
    let db: Kysely<unknown>;
    const count = async (query: ReturnType<typeof sql<{ n: number }>>) =>
      Number((await query.execute(db)).rows[0]!.n);
    const rowsOf = async (org: string) => {
      const rows: Record<string, number> = {};
      for (const table of ORG_TABLES.filter((t) => t !== 'event_bus_grants'))
        rows[table] = await count(sql`select count(*) as n from ${sql.table(table)} where org = ${org}`);
      rows.grants = await count(
        sql`select count(*) as n from event_bus_grants where org = ${org} or from_org = ${org}`,
      );
      rows.idempotency_keys = await count(
        sql`select count(*) as n from idempotency_keys where source_id like ${`src_${org}_%`}`,
      );
      return rows;
    };

    /** Some of everything an org has: `n` events, each with an action, an attempt, a key and a cause. */
    const fill = async (org: string, n: number) => {
      await store.orgs.create({ slug: org, name: org }, T0);
      const sourceId = `src_${org}_1`;
      await store.sources.insert({
        id: sourceId as never,
        org,
        slug: 'app',
        name: 'app',
        description: '',
        provider: null,
        verifier: { type: 'none' },
        secrets: [],
        settings: {},
        enabled: true,
        createdAt: T0,
        updatedAt: T0,
        deletedAt: null,
      });
      await store.rules.insert(ruleRecord(org, 'all', T0));
      await store.endpoints.insert(endpointRecord(org, 'hooks', T0));
      const key = {
        id: newId('apiKey'),
        org,
        name: 'ops',
        role: 'admin' as const,
        prefix: 'ehk_x',
        createdAt: T0,
        lastUsedAt: null,
        revokedAt: null,
        expiresAt: null,
      };
      await store.apiKeys.insert({ ...key, hash: `hash-${org}` });
      await store.auditLog.insert(
        auditEntry('api_key', key, { action: 'created', actor: { kind: 'operator' }, at: T0 }),
      );
      for (let i = 0; i < n; i++) {
        const event = pendingEvent(org, T0 + i);
        await store.events.insert(event);
        const action = newAction(
          org,
          { type: 'webhook', endpoint: 'hooks' },
          { eventId: event.id as EventId },
        );
        await store.actions.insertMany([action], T0);
        await store.attempts.insert({
          id: newId('attempt'),
          actionId: action.id,
          org,
          number: 1,
          startedAt: T0,
          latencyMs: 1,
          outcome: 'failed',
          statusCode: 500,
          request: null,
          responseHeaders: null,
          responseBody: null,
          error: 'x',
          endpoint: 'hooks',
        });
        await sql`insert into idempotency_keys (source_id, key, event_id, expires_at)
          values (${sourceId}, ${`k${i}`}, ${event.id}, ${T0 + 1e9})`.execute(db);
        await store.executionCauses.remember({
          org: org,
          executionId: `${org}-${i}`,
          eventId: event.id,
          hops: 0,
          createdAt: T0,
        });
        await store.outbox.add([{ eventId: event.id as EventId, routeSeq: 1, org, createdAt: T0 + i }]);
        await store.workflows.insertIdempotent(pendingWorkflow(org, `wf-${org}-${i}`, T0));
        await store.tasks.insertIdempotent(pendingTask(org, `task-${org}-${i}`, T0));
        await store.promises.insert({
          id: `prm-${org}-${i}`,
          org,
          key: null,
          status: 'pending',
          value: null,
          error: null,
          workflowId: null,
          createdAt: T0,
          settledAt: null,
        });
      }
    };

    beforeAll(async () => {
      setup = await migratedUpTo(factory, '025-org-deletion');
      db = setup.db;
      store = await setup.open();
      await fill('acme', 7);
      await fill('globex', 3);
      await store.orgs.create({ slug: 'initech', name: 'initech' }, T0);
      for (const [org, fromOrg] of [
        ['acme', 'globex'],
        ['globex', 'acme'],
        ['globex', 'initech'],
      ] as const)
        await store.grants.insert({
          id: newId('grant'),
          org,
          fromOrg,
          eventTypes: null,
          description: '',
          createdAt: T0,
          updatedAt: T0,
        });
    });
    afterAll(async () => {
      await store?.close();
      await setup?.cleanup();
    });

    it('knows every table of the schema: each has an org, belongs to one through another, or is shared', async () => {
      const columns = (
        factory.name === 'sqlite'
          ? await sql<{ t: string; c: string }>`select m.name as t, p.name as c
              from sqlite_master m join pragma_table_info(m.name) p where m.type = 'table'`.execute(db)
          : await sql<{ t: string; c: string }>`select table_name as t, column_name as c
              from information_schema.columns where table_schema = current_schema()`.execute(db)
      ).rows;
      const tables = [...new Set(columns.map((r) => r.t))].sort();
      const withOrg = tables.filter((t) => columns.some((r) => r.t === t && r.c === 'org'));
      // A new table with an org column must be purged (src/store/kysely/org-purge.ts) and filled below.
      expect(withOrg).toEqual([...ORG_TABLES].sort());
      expect(tables.filter((t) => !withOrg.includes(t)).sort()).toEqual(
        [...Object.keys(ORG_CHILD_TABLES), ...SHARED_TABLES].sort(),
      );
    });

    it('retires an org in one go: hidden, keys revoked, sources, rules and endpoints off, grants both ways gone', async () => {
      const before = await store.orgs.get('acme');
      const retired = await store.transaction((tx) => tx.orgs.retire('acme', T0 + 5));
      expect(retired).toEqual({
        org: { ...before, rulesVersion: before!.rulesVersion + 1, deletedAt: T0 + 5 },
        sources: ['app'],
        endpoints: ['hooks'],
      });
      expect(await store.orgs.get('acme')).toBeUndefined();
      expect((await store.orgs.get('acme', { includeDeleted: true }))?.deletedAt).toBe(T0 + 5);
      expect((await store.orgs.list()).map((o) => o.slug)).toEqual(['globex', 'initech']);
      expect((await store.orgs.list({ includeDeleted: true })).map((o) => o.slug)).toEqual([
        'acme',
        'globex',
        'initech',
      ]);
      expect(await store.apiKeys.findActiveByHash('hash-acme')).toBeUndefined();
      expect(await store.apiKeys.findActiveByHash('hash-globex')).toBeDefined();
      expect((await store.sources.get('acme', 'app'))?.enabled).toBe(false);
      expect((await store.rules.list('acme')).map((r) => r.enabled)).toEqual([false]);
      expect(await store.endpoints.get('acme', 'hooks')).toMatchObject({
        status: 'disabled',
        disabledReason: 'org deleted',
      });
      expect((await store.endpoints.get('globex', 'hooks'))?.status).toBe('active');
      expect((await store.grants.list('globex')).map((g) => g.fromOrg)).toEqual(['initech']);
      expect(await store.grants.list('acme')).toEqual([]);

      expect(await store.transaction((tx) => tx.orgs.retire('acme', T0 + 6))).toBeUndefined();
      expect(await store.orgs.rename('acme', 'Acme')).toBeUndefined();
      const taken = await store.orgs.create({ slug: 'acme', name: 'Acme' }, T0).catch((e: unknown) => e);
      expect((taken as EventhookError).code).toBe('EH_ORG_BEING_DELETED');
    });

    it('purges every row of the deleted org a batch at a time, and nothing of another org', async () => {
      const globex = await rowsOf('globex');
      // Everything but its grants (gone when it was retired) is still there.
      const acme = await rowsOf('acme');
      expect(Object.keys(acme).filter((table) => acme[table] === 0)).toEqual(['grants']);
      // Its row stays while it has data.
      expect(await store.orgs.remove('acme')).toBe(false);

      const purged = await store.orgs.purge('acme', 2);
      // Nine rows for each of its seven events, and its source, rule, endpoint, key and audit entry.
      expect(purged).toBe(7 * 9 + 5);
      expect(await rowsOf('acme')).toEqual(Object.fromEntries(Object.keys(globex).map((k) => [k, 0])));
      expect(await rowsOf('globex')).toEqual({ ...globex, grants: 1 });
      expect(await store.orgs.purge('acme', 2)).toBe(0);

      // A row written late (an attempt that ended after the purge) keeps the org until a purge takes it.
      await store.attempts.insert({
        id: newId('attempt'),
        actionId: newId('action'),
        org: 'acme',
        number: 2,
        startedAt: T0,
        latencyMs: 1,
        outcome: 'succeeded',
        statusCode: 200,
        request: null,
        responseHeaders: null,
        responseBody: null,
        error: null,
        endpoint: 'hooks',
      });
      expect(await store.orgs.remove('acme')).toBe(false);
      expect(await store.orgs.purge('acme')).toBe(1);
      // So does an event's outbox row (committed by a router that had the org's rule in memory).
      await store.outbox.add([
        { eventId: newId('event') as EventId, routeSeq: 1, org: 'acme', createdAt: T0 },
      ]);
      expect(await store.orgs.remove('acme')).toBe(false);
      expect(await store.orgs.purge('acme')).toBe(1);
      expect(await store.orgs.remove('acme')).toBe(true);
      expect(await store.orgs.get('acme', { includeDeleted: true })).toBeUndefined();
      expect(await store.orgs.remove('acme')).toBe(false);
      // A live org is never removed, and the slug is free again.
      expect(await store.orgs.remove('globex')).toBe(false);
      expect((await store.orgs.create({ slug: 'acme', name: 'Acme' }, T0 + 9)).deletedAt).toBeNull();
    });

    it('renames a live org', async () => {
      expect(await store.orgs.rename('globex', 'Globex Corporation')).toMatchObject({
        slug: 'globex',
        name: 'Globex Corporation',
        deletedAt: null,
      });
      expect((await store.orgs.get('globex'))?.name).toBe('Globex Corporation');
      expect(await store.orgs.rename('nobody', 'x')).toBeUndefined();
    });
  });
}
