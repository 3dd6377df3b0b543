// event_bus target: publishes a new event (the input as its data) into the org, where rules route it again.
// The hop count grows by one per re-publication, and routing stops at MAX_HOPS, so two rules cannot loop forever.
import type { Clock } from '../core/clock.js';
import { EventhookError } from '../core/errors.js';
import type { SourceId } from '../core/ids.js';
import { newSystemEvent, type EventPublisher } from '../events/publisher.js';
import type { Store } from '../store/port.js';
import type { EventBusTarget } from './target-schema.js';
import type { TargetContext, TargetHandler } from './target-handler.js';

export const MAX_HOPS = 8;
const DEDUP_WINDOW_MS = 7 * 86_400_000;

export class EventBusTargetHandler implements TargetHandler {
  constructor(
    private readonly store: Store,
    private readonly publisher: EventPublisher,
    private readonly clock: Clock,
  ) {}

  async run(ctx: TargetContext) {
    const t = ctx.action.target as unknown as EventBusTarget;
    if (ctx.event.hopCount + 1 > MAX_HOPS) {
      throw new EventhookError('EH_TARGET_INVALID', {
        path: 'event_bus',
        reason: `hop limit ${MAX_HOPS} reached (routing loop?)`,
      });
    }
    const now = this.clock.now();
    const event = newSystemEvent({
      org: ctx.action.org,
      source: t.source ?? 'system:eventhook',
      type: t.eventType ?? ctx.event.type,
      data: ctx.input,
      subject: ctx.event.subject,
      now,
      correlationId: ctx.event.correlationId ?? ctx.event.id,
      traceparent: ctx.event.traceparent,
      hopCount: ctx.event.hopCount + 1,
    });
    // Keyed on the action: a retry after a crash finds the event it already published instead of a second one.
    const [outcome] = await this.store.transaction((tx) =>
      tx.events.ingest(
        [
          {
            event,
            dedup: {
              sourceId: 'system:event_bus' as SourceId,
              key: ctx.action.id,
              windowMs: DEDUP_WINDOW_MS,
            },
          },
        ],
        now,
      ),
    );
    if (!outcome!.duplicate) await this.publisher.announce([event]);
    return { result: { eventId: outcome!.eventId } };
  }
}
