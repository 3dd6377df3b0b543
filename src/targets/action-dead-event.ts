// action.dead: the event an engine action (workflow, task, promise target) or an event_bus action stores when it dies,
// as a webhook action stores delivery.dead, so a rule can alert on a workflow that never started whichever engine runs
// it, or on a publication another org refused.
import { SYSTEM_SOURCES } from '../core/envelope.js';
import { causedBy, newSystemEvent } from '../events/publisher.js';
import type { EventRecord, NewEvent } from '../store/records.js';
import type { DyingAction } from './target-handler.js';

/**
 * Source system:eventhook, subject the target type (`workflow`, `task`, `promise`, `event_bus`), one hop more than
 * the event the action was for, in its correlation and trace. `reason` is `exhausted` when the action used its last
 * attempt, else `failed` (a failure no retry mends: a refused request, a key held by another kind, a missing grant,
 * an input that cannot be built, or a rule filter that failed, with `attempts: 0`).
 */
export function actionDeadEvent(opts: {
  action: DyingAction;
  event: EventRecord;
  error: string;
  statusCode: number | null;
  now: number;
}): NewEvent {
  const { action, event } = opts;
  const target = action.target as { type?: unknown; kind?: unknown };
  const targetType = typeof target.type === 'string' ? target.type : 'unknown';
  return newSystemEvent({
    org: action.org,
    source: SYSTEM_SOURCES.eventhook,
    type: 'action.dead',
    subject: targetType,
    data: {
      actionId: action.id,
      eventId: action.eventId,
      ruleId: action.ruleId,
      targetType,
      kind: typeof target.kind === 'string' ? target.kind : null,
      attemptCount: action.attempts,
      // The count's name before 2026-12, kept for the rules that match it.
      attempts: action.attempts,
      reason: action.attempts >= action.maxAttempts ? 'exhausted' : 'failed',
      error: opts.error,
      statusCode: opts.statusCode,
    },
    now: opts.now,
    ...causedBy(event),
  });
}
