// The due finder behind a saturated endpoint: a deep look first, then (until the next deep look is due) only the head
// of the due order and the lanes known to have work — announced ones, and endpoints with a slot free — so passes
// stay cheap however deep the saturated backlog is, and unannounced work is still found by the next deep look.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionId } from '../../src/core/ids.js';
import { DueFinder } from '../../src/routing/due-finder.js';
import type { Store } from '../../src/store/port.js';
import { newAction } from '../helpers/records.js';
import { sqliteFactory } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 0, 1);

const action = (target: Record<string, unknown>, nextAttemptAt: number) =>
  newAction('acme', target, { nextAttemptAt });

describe('DueFinder', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const skip = [{ org: 'acme', endpoint: 'slow' }];
  const fast = { org: 'acme', endpoint: 'fast' };
  const ids = (cs: Array<{ id: ActionId }>) => cs.map((c) => c.id);

  beforeAll(async () => {
    ({ store, cleanup } = await sqliteFactory.open());
    await store.orgs.create({ slug: 'acme', name: 'Acme' }, T0);
    // The saturated endpoint's backlog: older than anything else, and deeper than a pass looks.
    await store.actions.insertMany(
      Array.from({ length: 300 }, (_, i) => action({ type: 'webhook', endpoint: 'slow' }, T0 - 1000 + i)),
      T0,
    );
  });
  afterAll(async () => cleanup?.());

  it('looks deep first, then reads announced and open lanes directly, and looks deep again when due', async () => {
    const finder = new DueFinder(store);
    const first = action({ type: 'webhook', endpoint: 'fast' }, T0);
    await store.actions.insertMany([first], T0);
    // The first pass behind the backlog is a deep look: it finds the work behind it.
    expect(ids(await finder.candidates(T0, 10, skip, []))).toEqual([first.id]);
    expect(finder.msUntilDeepLook()).toBeGreaterThan(0);

    // Unannounced work behind the backlog is not seen between deep looks (only the head is read)…
    const quiet = action({ type: 'webhook', endpoint: 'fast' }, T0 + 1);
    await store.actions.insertMany([quiet], T0);
    const head = await finder.candidates(T0 + 1, 10, skip, []);
    expect(head).toHaveLength(10);
    expect(head.every((c) => c.endpoint === 'slow')).toBe(true);
    // …but an announced lane is read directly, and so is a lane with a slot free here.
    finder.hint([fast]);
    expect(ids(await finder.candidates(T0 + 1, 10, skip, []))).toContain(quiet.id);
    expect(ids(await finder.candidates(T0 + 1, 10, skip, [fast]))).toContain(quiet.id);
    // A hint is used once; a saturated lane is never read directly.
    expect(ids(await finder.candidates(T0 + 1, 10, skip, []))).not.toContain(quiet.id);
    finder.hint([{ org: 'acme', endpoint: 'slow' }]);
    expect(ids(await finder.candidates(T0 + 1, 10, skip, []))).toEqual(ids(head));

    // Actions of other targets form a lane per org (endpoint null).
    const task = action({ type: 'task', kind: 'k' }, T0 + 2);
    await store.actions.insertMany([task], T0);
    finder.hint([{ org: 'acme', endpoint: null }]);
    expect(ids(await finder.candidates(T0 + 2, 10, skip, []))).toContain(task.id);

    // Once the pacing allows it, the next deep look finds what nobody announced.
    await new Promise((r) => setTimeout(r, finder.msUntilDeepLook() + 5));
    expect(ids(await finder.candidates(T0 + 2, 10, skip, []))).toEqual([first.id, quiet.id, task.id]);
  });

  it('reads the head of the due order when no endpoint is skipped', async () => {
    const finder = new DueFinder(store);
    const got = await finder.candidates(T0 + 2, 5, [], []);
    expect(got).toHaveLength(5);
    expect(got.every((c) => c.endpoint === 'slow')).toBe(true);
    expect(finder.msUntilDeepLook()).toBe(0);
  });
});
