// event_bus target: publishes a new event (the input as its data) into the org, where rules route it again.
// The hop count grows by one per re-publication, and routing stops at MAX_HOPS, so two rules cannot loop forever.
// Into another org (`org`), only what that org granted this one goes: the grant is read in the transaction that
// commits the event, so a deleted grant stops the very next publication; without one the action is dead at once.
import type { Clock } from '../core/clock.js';
import { EventhookError } from '../core/errors.js';
import type { SourceId } from '../core/ids.js';
import { causedBy, newSystemEvent, type EventPublisher } from '../events/publisher.js';
import { grantsAllow } from '../grants/grant-match.js';
import type { EventRecord, NewEvent } from '../store/records.js';
import type { Store } from '../store/port.js';
import { actionDeadEvent } from './action-dead-event.js';
import { reservedSourceReason, type EventBusTarget } from './target-schema.js';
import type { DyingAction, TargetContext, TargetHandler } from './target-handler.js';

export const MAX_HOPS = 8;
const DEDUP_WINDOW_MS = 7 * 86_400_000;

/**
 * The source of an event published into another org always names the publishing org, so the receiving org's rules
 * can tell it from its own webhooks: a granted org cannot pass its events off as `webhook:stripe`.
 */
export function crossOrgSource(fromOrg: string, source: string | undefined): string {
  return source === undefined ? `org:${fromOrg}` : `org:${fromOrg}/${source}`;
}

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
    // Saving refuses these; a rule stored before that check must not publish under them either.
    const reserved = t.source === undefined ? null : reservedSourceReason(t.source);
    if (reserved !== null)
      throw new EventhookError('EH_TARGET_INVALID', { path: 'event_bus/source', reason: reserved });
    const fromOrg = ctx.action.org;
    const org = t.org ?? fromOrg;
    const type = t.eventType ?? ctx.event.type;
    const now = this.clock.now();
    const event = newSystemEvent({
      org,
      source: org === fromOrg ? (t.source ?? 'system:eventhook') : crossOrgSource(fromOrg, t.source),
      type,
      data: ctx.input,
      subject: ctx.event.subject,
      ...(ctx.event.exactIntegers ? { exactIntegers: ctx.event.exactIntegers } : {}),
      now,
      ...causedBy(ctx.event),
    });
    // Keyed as the action's webhook-id is: a retry after a crash, or a replay that keeps the keys, finds the event it
    // already published instead of a second one (which rules would route again, and downstream could not dedupe).
    const [outcome] = await this.store.transaction(async (tx) => {
      // Forbidden is permanent (target-handler.ts isPermanent): the action is dead without burning its retries.
      if (org !== fromOrg && !grantsAllow(await tx.grants.between(org, fromOrg), type))
        throw new EventhookError('EH_GRANT_REQUIRED', { org, fromOrg, type });
      return tx.events.ingest(
        [
          {
            event,
            dedup: {
              sourceId: 'system:event_bus' as SourceId,
              key: ctx.action.idempotencyKey,
              windowMs: DEDUP_WINDOW_MS,
            },
          },
        ],
        now,
      );
    });
    if (!outcome!.duplicate) await this.publisher.announce([event]);
    return { result: { eventId: outcome!.eventId, ...(org !== fromOrg ? { org } : {}) } };
  }

  /** A publication that dies (no grant into the other org, a routing loop, an input that cannot be built). */
  deadEvents(action: DyingAction, event: EventRecord, error: string, now: number): NewEvent[] {
    return [actionDeadEvent({ action, event, error, statusCode: null, now })];
  }
}
