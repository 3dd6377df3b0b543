// The local engine on a test file's own store: the factory's store, a memory bus, the engine on both, and what closes
// them, for the engine suites that run once per backend.
import { MemoryBus } from '../../src/bus/adapters/memory/index.js';
import type { Clock } from '../../src/core/clock.js';
import { LocalEngine } from '../../src/engine/adapters/local/index.js';
import { EventPublisher } from '../../src/events/publisher.js';
import type { Store } from '../../src/store/port.js';
import type { StoreFactory } from './stores.js';

export interface LocalEngineUnderTest {
  store: Store;
  /** The store's URL, for a connection of the test's own (a lock held elsewhere). */
  url: string;
  bus: MemoryBus;
  engine: LocalEngine;
  close(): Promise<void>;
}

export async function openLocalEngine(factory: StoreFactory, clock: Clock): Promise<LocalEngineUnderTest> {
  const { store, url, cleanup } = await factory.open();
  const bus = new MemoryBus();
  return {
    store,
    url,
    bus,
    engine: new LocalEngine(store, new EventPublisher(bus), bus, clock),
    async close() {
      await bus.close();
      await cleanup();
    },
  };
}

/**
 * Claims the oldest pending execution of `kinds` at once (no long poll), for worker `workerId` of the key `key_w`,
 * with a one-second lease: what the engine suites' workers do.
 */
export function claimNow(
  engine: LocalEngine,
  org: string,
  kind: 'workflow' | 'task',
  kinds: string[],
  workerId = 'w1',
) {
  return engine.claim(kind, org, {
    kinds,
    queue: 'default',
    workerId,
    claimer: 'key_w',
    leaseMs: 1000,
    waitMs: 0,
  });
}
