// The local engine refuses a workflow's or task's input over 1 MiB of JSON, as Flovyn does, so a rule that works on
// one engine works on the other: for good (no retry makes it smaller), naming the size and the limit, and nothing is
// stored. An input of exactly the limit is taken. Both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { EventhookError } from '../../src/core/errors.js';
import type { LocalEngine } from '../../src/engine/adapters/local/local-engine.js';
import type { Store } from '../../src/store/port.js';
import { isPermanent } from '../../src/targets/target-handler.js';
import { openLocalEngine } from '../helpers/local-engine.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const ORG = 'acme';

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`local engine, input size — ${factory.name}`, () => {
    let store: Store;
    let engine: LocalEngine;
    let close: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      ({ store, engine, close } = await openLocalEngine(factory, new ManualClock(1_000)));
    });
    afterAll(async () => close?.());

    it('refuses a workflow or task input over 1 MiB for good, and takes one of exactly 1 MiB', async () => {
      for (const kind of ['workflow', 'task'] as const) {
        const start = (input: string, key: string) =>
          kind === 'workflow'
            ? engine.startWorkflow({ org: ORG, kind: 'big', input, idempotencyKey: key })
            : engine.createTask({ org: ORG, kind: 'big', input, idempotencyKey: key });
        const err = await start('x'.repeat(1024 * 1024 - 1), `${kind}-over`).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(EventhookError);
        expect((err as EventhookError).code).toBe('EH_ENGINE_INPUT_TOO_LARGE');
        expect((err as EventhookError).message).toContain(
          `The ${kind} input is 1048577 bytes as JSON, over the engine’s limit of 1048576 bytes (1 MiB)`,
        );
        expect(isPermanent(err)).toBe(true);
        const page = await (kind === 'workflow' ? store.workflows : store.tasks).list(ORG, {}, { limit: 10 });
        expect(page.items).toHaveLength(0);

        const taken = await start('x'.repeat(1024 * 1024 - 2), `${kind}-at-limit`);
        expect(taken.created).toBe(true);
      }
    });
  });
}
