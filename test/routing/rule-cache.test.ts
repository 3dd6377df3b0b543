// The router's compiled rules per org: kept while the org's events keep coming, let go once they stop (a deleted
// org's never come again), so a process that runs for weeks does not keep every org's filters it ever compiled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { newId } from '../../src/core/ids.js';
import { DROP_UNUSED_MS, RuleCache } from '../../src/routing/rule-cache.js';
import type { Store } from '../../src/store/port.js';
import { initSandbox } from '../../src/transform/index.js';
import { sqliteFactory } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 0, 1);
const LIMITS = { cpuMs: 50, memoryBytes: 32 << 20 };

describe('RuleCache', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const clock = new ManualClock(T0);

  beforeAll(async () => {
    await initSandbox();
    ({ store, cleanup } = await sqliteFactory.open());
  });
  afterAll(async () => cleanup?.());

  const orgWithFilter = async (slug: string) => {
    await store.orgs.create({ slug, name: slug }, clock.now());
    await store.rules.insert({
      id: newId('rule', clock.now()),
      org: slug,
      name: 'js',
      description: '',
      enabled: true,
      pattern: { type: ['order.created'] },
      filter: 'function filter(e) { return e.data.total > 10 }',
      targets: [{ type: 'task', kind: 'k' }],
      createdAt: clock.now(),
      updatedAt: clock.now(),
      deletedAt: null,
    });
  };

  it('lets go of the rules of orgs whose events stopped coming, and keeps the others', async () => {
    const cache = new RuleCache(store, clock, LIMITS);
    // Tenants come and go: each org's rules are compiled for its events, then its events stop (it was deleted).
    for (let n = 0; n < 30; n++) {
      await orgWithFilter(`tenant${n}`);
      expect((await cache.get(`tenant${n}`)).rules.size).toBe(1);
      clock.advance(60_000);
      // An org whose events keep coming.
      await cache.get('tenant0');
    }
    expect(cache.size).toBeLessThan(DROP_UNUSED_MS / 60_000 + 2);
    // The org still in use kept its compiled rules throughout, and its filter still runs.
    const kept = await cache.get('tenant0');
    expect(kept.rules.size).toBe(1);
    const rule = [...kept.rules.values()][0]!;
    const envelope = {
      specversion: '1.0',
      id: 'evt_x',
      org: 'tenant0',
      source: 'app:x',
      type: 'order.created',
    };
    expect(rule.filter!.test({ ...envelope, data: { total: 11 } } as never)).toBe(true);
    // An org let go whose events come again is compiled anew.
    expect((await cache.get('tenant1')).rules.size).toBe(1);
    cache.dispose();
  });
});
