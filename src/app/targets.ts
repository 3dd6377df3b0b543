// The target handlers, one per target type: the registry the router and the action worker run targets through.
import type { Logger } from 'pino';
import { SUBJECTS, type EndpointAnnouncement } from '../bus/port.js';
import type { Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import {
  EndpointStateKeeper,
  type AuthenticatedSender,
  type DeliveryGate,
  type LiveEndpoints,
} from '../delivery/index.js';
import type { Engine } from '../engine/port.js';
import type { EventPublisher } from '../events/publisher.js';
import type { WorkerPresence } from '../routing/worker-presence.js';
import type { Store } from '../store/port.js';
import { PromiseTargetHandler, TaskTargetHandler, WorkflowTargetHandler } from '../targets/engine-targets.js';
import { EventBusTargetHandler } from '../targets/event-bus-target.js';
import type { TargetHandler } from '../targets/target-handler.js';
import { WebhookTargetHandler } from '../targets/webhook-target.js';
import type { Announce } from './bus.js';

export interface TargetHandlersDeps {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  engine: Engine;
  publisher: EventPublisher;
  announce: Announce;
  liveEndpoints: LiveEndpoints;
  deliveryGate: DeliveryGate;
  authenticatedSender: AuthenticatedSender;
  /** This worker's presence: a breaker change it announces names it, so it does not take its own change again. */
  presence: WorkerPresence | undefined;
}

/** Keyed by target type (a rule's target's `type`). */
export function buildTargetHandlers(deps: TargetHandlersDeps): Record<string, TargetHandler> {
  const { config, store, clock, logger, engine, publisher, announce, liveEndpoints, presence } = deps;
  const engineTargets = { retryAfterCapMs: config.retryAfterCapMs, clock };
  return {
    workflow: new WorkflowTargetHandler(engine, engineTargets),
    task: new TaskTargetHandler(engine, engineTargets),
    promise: new PromiseTargetHandler(engine, engineTargets),
    event_bus: new EventBusTargetHandler(store, publisher, clock),
    webhook: new WebhookTargetHandler(
      liveEndpoints,
      deps.deliveryGate,
      deps.authenticatedSender,
      new EndpointStateKeeper(store, liveEndpoints, publisher, clock, logger, (org, slug, woken) =>
        announce<EndpointAnnouncement>(SUBJECTS.endpointChanged(org, slug), {
          org,
          slug,
          woken,
          ...(presence ? { breakerFrom: presence.id } : {}),
        }),
      ),
      clock,
      { retryAfterCapMs: config.retryAfterCapMs },
    ),
  };
}
