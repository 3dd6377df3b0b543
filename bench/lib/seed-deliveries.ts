// Delivery history for the read benchmarks (health, actions): actions committed straight into the store, each
// settled at its first attempt, so the action worker never sees them due.
import { newId, type EventId, type RuleId } from '../../src/core/ids.js';
import type { App } from '../../src/app.js';
import type { NewAction } from '../../src/store/records.js';

const CHUNK = 2_000;

export interface SeedOptions {
  /** When the first delivery started (ms since the epoch); the rest follow evenly over `spanMs`. */
  from: number;
  spanMs: number;
  /** `succeeded` (the default: one attempt, 200) or `dead` (routed dead, no attempt). */
  outcome?: 'succeeded' | 'dead';
  /** The rule that routed them all (default: a rule of its own for each). */
  ruleId?: RuleId;
}

/** `n` deliveries to `endpoint` in org `default`, with ids (and attempt times) spread over [from, from + spanMs). */
export async function seedDeliveries(app: App, endpoint: string, n: number, o: SeedOptions): Promise<void> {
  const now = Date.now();
  const at = (i: number) => o.from + Math.floor((i / n) * o.spanMs);
  for (let done = 0; done < n; done += CHUNK) {
    const size = Math.min(CHUNK, n - done);
    const actions: NewAction[] = Array.from({ length: size }, (_, i) => ({
      id: newId('action', at(done + i)),
      org: 'default',
      eventId: newId('event') as EventId,
      ruleId: o.ruleId ?? (newId('rule') as RuleId),
      ruleName: 'bench',
      targetIndex: 0,
      targetType: 'webhook',
      target: { type: 'webhook', endpoint },
      routeSeq: 1,
      maxAttempts: 8,
      idempotencyKey: `${endpoint}-${o.outcome ?? 'succeeded'}-${done + i}`,
      nextAttemptAt: now,
      ...(o.outcome === 'dead' && { status: 'dead' as const, lastError: 'bench: dead on arrival' }),
    }));
    await app.store.transaction(async (tx) => {
      await tx.actions.insertMany(actions, now);
      if (o.outcome === 'dead') return;
      await tx.actions.claim(
        actions.map((a) => a.id),
        now,
        60_000,
      );
      for (const [i, a] of actions.entries()) {
        const startedAt = at(done + i);
        await tx.attempts.insert({
          id: newId('attempt', startedAt),
          actionId: a.id,
          org: 'default',
          number: 1,
          startedAt,
          latencyMs: 5 + (i % 50),
          outcome: 'succeeded',
          statusCode: 200,
          request: { method: 'POST', url: 'http://127.0.0.1:9/hooks' },
          responseHeaders: null,
          responseBody: 'ok',
          error: null,
          endpoint,
        });
        await tx.actions.succeed(a.id, 1, { statusCode: 200 }, now);
      }
    });
  }
}
