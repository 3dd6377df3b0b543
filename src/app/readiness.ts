// /readyz: what makes this process ready (the store answers, its workers run) and what is only shown.
import type { Readiness } from '../api/routes/health.js';
import type { NatsBus } from '../bus/adapters/nats/index.js';
import type { Config } from '../config/config.js';
import { within } from '../core/within.js';
import type { FlovynLifecycleConsumer } from '../engine/adapters/flovyn/lifecycle-consumer.js';
import type { JetStreamEventLog } from '../jetstream/event-log.js';
import type { JetStreamIntake } from '../jetstream/intake.js';
import type { Store } from '../store/port.js';

export interface ReadinessDeps {
  config: Config;
  store: Store;
  runsWorkers: boolean;
  /** Whether the workers were started (they start once the server is built). */
  workersStarted: () => boolean;
  natsBus: NatsBus | undefined;
  flovynEvents: FlovynLifecycleConsumer | undefined;
  eventLog: JetStreamEventLog | undefined;
  intake: JetStreamIntake | undefined;
}

export function readiness(deps: ReadinessDeps): Readiness {
  const { config, store, runsWorkers, workersStarted, natsBus, flovynEvents, eventLog, intake } = deps;
  return {
    async check() {
      const checks: Record<string, string> = {};
      try {
        await within(store.ping(), config.readinessTimeoutMs, () => {
          throw new Error(`the store did not answer within ${config.readinessTimeoutMs} ms`);
        });
        checks.store = 'ok';
      } catch (err) {
        checks.store = `unreachable: ${(err as Error).message}`;
      }
      if (runsWorkers) checks.workers = workersStarted() ? 'ok' : 'starting';
      const ready = Object.values(checks).every((v) => v === 'ok');
      // Shown, but no reason to stop taking webhooks: without NATS, other processes find new work at their sweeps
      // and Flovyn's lifecycle events wait.
      if (natsBus) checks.bus = natsBus.state === 'connected' ? 'ok' : natsBus.state;
      if (flovynEvents) checks.flovynEvents = flovynEvents.state === 'connected' ? 'ok' : flovynEvents.state;
      // Nor is the event log's: routed events wait in its outbox until NATS is back.
      if (eventLog) checks.jetstream = eventLog.state === 'connected' ? 'ok' : eventLog.state;
      if (intake) checks.jetstreamIntake = intake.state === 'connected' ? 'ok' : intake.state;
      return { ready, checks };
    },
  };
}
