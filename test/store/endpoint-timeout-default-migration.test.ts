// Migration 029 on a store that already holds an endpoint: its stored timeout stays its own. And an endpoint set to
// follow the deployment's default still has, in its row, a timeout a process of the previous version can use (such a
// process reads timeout_ms alone, during a rolling deploy) — not a 0 it would time out on at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOlderEndpoint, migratedUpTo, type OlderDatabase } from '../helpers/migrations.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const BEFORE = '028-execution-cause-org';

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`migration 029 (endpoint timeout default) — ${factory.name}`, () => {
    let setup: OlderDatabase;

    beforeAll(async () => {
      setup = await migratedUpTo(factory, BEFORE);
    });
    afterAll(async () => setup?.cleanup());

    it("keeps an older endpoint's timeout, and a defaulted one's row holds a timeout older versions can use", async () => {
      await insertOlderEndpoint(setup.db, { timeout_ms: 2500 });

      const store = await setup.open();
      try {
        const before = await store.endpoints.get('acme', 'crm');
        expect(before?.timeoutMs).toBe(2500);
        const defaulted = { ...before!, timeoutMs: null, updatedAt: 2_000 };
        expect(await store.endpoints.update(defaulted, { basis: 1_000, state: false })).toBe(true);
        expect((await store.endpoints.get('acme', 'crm'))?.timeoutMs).toBeNull();
        const row = (await setup.db
          .selectFrom('endpoints' as never)
          .select(['timeout_ms' as never, 'timeout_default' as never])
          .executeTakeFirstOrThrow()) as { timeout_ms: number; timeout_default: number };
        expect(Number(row.timeout_default)).toBe(1);
        expect(Number(row.timeout_ms)).toBe(15_000);
      } finally {
        await store.close();
      }
    });
  });
}
