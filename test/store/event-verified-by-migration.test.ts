// Migration 030 on a store that already holds a webhook event: it reads back with verifiedBy null (not recorded when
// it arrived), never with a value guessed from its source's verifier now; an event stored after it keeps its own.
// The database is migrated only up to 027, given an event as that release wrote it, and then opened, which runs 030
// on real data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventId, SourceId } from '../../src/core/ids.js';
import { migratedUpTo, type OlderDatabase } from '../helpers/migrations.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const BEFORE = '027-endpoint-secret-headers';
const OLD = 'evt_01J0000000000000000000000A' as EventId;
const NEW = 'evt_01J0000000000000000000000B' as EventId;

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`migration 030 (event verified by) — ${factory.name}`, () => {
    let setup: OlderDatabase;

    beforeAll(async () => {
      setup = await migratedUpTo(factory, BEFORE);
    });
    afterAll(async () => setup?.cleanup());

    it('a webhook stored before it says nothing of how it was verified; one stored after says', async () => {
      await setup.db
        .insertInto('orgs' as never)
        .values({ slug: 'acme', name: 'acme', created_at: 1 } as never)
        .execute();
      await setup.db
        .insertInto('events' as never)
        .values({
          id: OLD,
          org: 'acme',
          source_id: 'src_01J0000000000000000000000A',
          source: 'webhook:shop',
          type: 'order.created',
          subject: null,
          time: 1_000,
          status: 'routed',
          content_type: 'application/json',
          raw_body: null,
          raw_in_data: 1,
          headers: '{}',
          data: '{"type":"order.created"}',
          idempotency_key: null,
          correlation_id: null,
          traceparent: null,
          error: null,
          hop_count: 0,
          routed_at: 1_001,
        } as never)
        .execute();

      const store = await setup.open();
      try {
        expect((await store.events.get('acme', OLD))?.verifiedBy).toBeNull();
        await store.events.insert({
          id: NEW,
          org: 'acme',
          sourceId: 'src_01J0000000000000000000000A' as SourceId,
          source: 'webhook:shop',
          type: 'order.created',
          subject: null,
          time: 2_000,
          status: 'pending',
          contentType: 'application/json',
          rawBody: Buffer.from('{}'),
          headers: {},
          data: {},
          idempotencyKey: null,
          correlationId: null,
          traceparent: null,
          error: null,
          hopCount: 0,
          verifiedBy: 'hmac',
        });
        expect((await store.events.get('acme', NEW))?.verifiedBy).toBe('hmac');
      } finally {
        await store.close();
      }
    });
  });
}
