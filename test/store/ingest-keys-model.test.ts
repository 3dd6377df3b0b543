// Idempotency and replay keys against a model: random sequences of requests, in batches and across them, with the
// clock moving past windows, must get from each store the outcomes the rules in docs/providers.md give. The rules,
// written out plainly here, are what a provider relies on: a resend is a duplicate, a used token for another event is
// refused, and a refused request takes no key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, type EventId, type SourceId } from '../../src/core/ids.js';
import type { IngestItem, IngestOutcome, Store } from '../../src/store/port.js';
import type { NewEvent } from '../../src/store/records.js';
import { seededRandom } from '../helpers/random.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 5, 1);
const DEDUP_WINDOW_MS = 100;
const REPLAY_WINDOW_MS = 300;

/** A request as the test draws it: which idempotency key and which token it carries, by small numbers. */
interface Drawn {
  key: number | null;
  token: number | null;
}

/** The rules, one request at a time, over keys that live until their expiry. */
class Model {
  private readonly keys = new Map<string, { eventId: EventId; expiresAt: number }>();
  /** The idempotency key each stored event was stored under. */
  private readonly storedKey = new Map<EventId, string | null>();

  take(item: IngestItem, now: number): IngestOutcome {
    const live = (k: string) => {
      const held = this.keys.get(k);
      return held && held.expiresAt > now ? held.eventId : undefined;
    };
    const claim = (k: string, eventId: EventId, windowMs: number) =>
      this.keys.set(k, { eventId, expiresAt: now + windowMs });
    const { event, dedup, replay } = item;
    if (replay) {
      const used = live(replay.key);
      if (used !== undefined) {
        const same =
          dedup !== undefined && (live(dedup.key) === used || this.storedKey.get(used) === dedup.key);
        return same ? { eventId: used, duplicate: true } : { eventId: used, duplicate: true, replayed: true };
      }
    }
    if (dedup) {
      const earlier = live(dedup.key);
      if (earlier !== undefined) {
        if (replay) claim(replay.key, earlier, replay.windowMs);
        return { eventId: earlier, duplicate: true };
      }
      claim(dedup.key, event.id, dedup.windowMs);
    }
    if (replay) claim(replay.key, event.id, replay.windowMs);
    this.storedKey.set(event.id, dedup?.key ?? null);
    return { eventId: event.id, duplicate: false };
  }
}

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`Ingest keys against the model — ${factory.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ store, cleanup } = await factory.open());
      await store.orgs.create({ slug: 'acme', name: 'Acme' }, T0);
    });
    afterAll(async () => cleanup?.());

    it.each([1, 2, 3, 4])('a random sequence of requests (seed %i)', async (seed) => {
      const next = seededRandom(seed);
      const pick = (n: number) => Math.floor(next() * n);
      const sourceId = newId('source') as SourceId;
      const model = new Model();
      let now = T0;
      let refused = 0;
      let resent = 0;
      for (let batch = 0; batch < 40; batch++) {
        const drawn: Drawn[] = Array.from({ length: 1 + pick(6) }, () => ({
          key: pick(5) === 0 ? null : pick(6),
          token: pick(4) === 0 ? null : pick(8),
        }));
        const items: IngestItem[] = drawn.map(({ key, token }) => {
          const event: NewEvent = {
            id: newId('event', now) as EventId,
            org: 'acme',
            sourceId,
            source: 'webhook:model',
            type: 'thing.happened',
            subject: null,
            time: now,
            status: 'pending',
            contentType: 'application/json',
            rawBody: null,
            headers: null,
            data: { key, token },
            idempotencyKey: key === null ? null : `k${key}`,
            correlationId: null,
            traceparent: null,
            error: null,
            hopCount: 0,
          };
          return {
            event,
            ...(key !== null && { dedup: { sourceId, key: `k${key}`, windowMs: DEDUP_WINDOW_MS } }),
            ...(token !== null && {
              replay: { sourceId, key: `replay:t${token}`, windowMs: REPLAY_WINDOW_MS },
            }),
          };
        });
        const expected = items.map((item) => model.take(item, now));
        const got = await store.commitIngest(items, now);
        expect(got, `seed ${seed}, batch ${batch} at +${now - T0} ms: ${JSON.stringify(drawn)}`).toEqual(
          expected,
        );
        refused += expected.filter((o) => o.replayed).length;
        resent += expected.filter((o) => o.duplicate && !o.replayed).length;
        now += pick(4) === 0 ? 150 : 1 + pick(40);
      }
      // The sequences reach every kind of outcome, so the comparison above is not vacuous.
      expect(refused).toBeGreaterThan(0);
      expect(resent).toBeGreaterThan(0);
    });
  });
}
