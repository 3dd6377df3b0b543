// The contract between the action worker and each target type: run one attempt, say what happened.
import type { Envelope, JsonValue } from '../core/envelope.js';
import { EventhookError } from '../core/errors.js';
import type { ActionRecord, EventRecord } from '../store/records.js';

export interface TargetContext {
  action: ActionRecord;
  event: EventRecord;
  envelope: Envelope;
  /** The target's input, already transformed. */
  input: JsonValue;
}

/** What an attempt looked like on the wire, for the attempt record (webhooks fill it in). */
export interface AttemptDetails {
  statusCode: number | null;
  request: JsonValue;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
}

export interface TargetHandler {
  /** Resolves with the result to store on the action; throws to fail the attempt (see TargetFailure). */
  run(ctx: TargetContext): Promise<{ result: JsonValue; attempt?: AttemptDetails }>;
}

/**
 * A failed attempt with what the retry policy needs: `permanent` failures go straight to dead, `retryAfterMs`
 * overrides the schedule (e.g. Retry-After), `attempt` keeps the wire details.
 */
export class TargetFailure extends Error {
  constructor(
    message: string,
    readonly opts: { permanent?: boolean; retryAfterMs?: number; attempt?: AttemptDetails; outcome?: string } = {},
  ) {
    super(message);
    this.name = 'TargetFailure';
  }
}

/** Errors that will fail the same way on every retry: bad configuration, scripts, conflicts. */
export function isPermanent(err: unknown): boolean {
  if (err instanceof TargetFailure) return err.opts.permanent === true;
  if (err instanceof EventhookError) return ['validation', 'sandbox', 'conflict', 'forbidden', 'unsupported'].includes(err.kind);
  return false;
}
