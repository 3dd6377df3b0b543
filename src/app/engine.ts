// The engine that runs workflow, task and promise targets: the local one (in the store) or Flovyn.
import type { Bus } from '../bus/port.js';
import type { Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import { ExecutionCauses } from '../engine/adapters/flovyn/execution-causes.js';
import { FlovynEngine } from '../engine/adapters/flovyn/flovyn-engine.js';
import { LocalEngine } from '../engine/adapters/local/index.js';
import type { Engine } from '../engine/port.js';
import type { EventPublisher } from '../events/publisher.js';
import type { Store } from '../store/port.js';

export interface Engines {
  engine: Engine;
  /** Present when the engine is the local one, which serves workers over /engine and sweeps expired leases. */
  localEngine: LocalEngine | undefined;
  /** Which event started each Flovyn execution (Flovyn only): its lifecycle events count their hops from it. */
  causes: ExecutionCauses | undefined;
}

export function pickEngine(
  config: Config,
  store: Store,
  publisher: EventPublisher,
  bus: Bus,
  clock: Clock,
): Engines {
  // The local engine keeps executions in the store and serves workers over /engine; with Flovyn, Flovyn does both.
  // Which event started each Flovyn execution: its lifecycle events count their hops from it.
  const causes =
    config.engine.kind === 'flovyn'
      ? new ExecutionCauses(store.executionCauses, () => clock.now())
      : undefined;
  const engine: Engine =
    config.engine.kind === 'flovyn'
      ? new FlovynEngine({ ...config.engine, causes })
      : new LocalEngine(store, publisher, bus, clock);
  const localEngine = engine instanceof LocalEngine ? engine : undefined;
  return { engine, localEngine, causes };
}

/** Closes the engine's own connections (Flovyn's); the local engine has none beyond the store. */
export async function closeEngine(engine: Engine): Promise<void> {
  if (engine instanceof FlovynEngine) await engine.close();
}
