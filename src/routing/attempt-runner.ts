// One attempt of a claimed action: builds the target's input, runs the target, and records the attempt and the
// action's next state (succeeded, failed with a retry time, or dead), with the target's effects, in one transaction.
import type { Bus } from '../bus/port.js';
import { SUBJECTS } from '../bus/port.js';
import type { Clock } from '../core/clock.js';
import type { JsonValue } from '../core/envelope.js';
import { newId } from '../core/ids.js';
import { EventPublisher, toEnvelope } from '../events/publisher.js';
import type { Store, StoreRepos } from '../store/port.js';
import type { ActionRecord, EventRecord } from '../store/records.js';
import {
  isPermanent,
  storeOutageDeferral,
  TargetDeferral,
  TargetFailure,
  type AttemptDetails,
  type AttemptEffects,
  type TargetHandler,
} from '../targets/target-handler.js';
import type { RetryPolicy } from '../targets/target-schema.js';
import { logFailure } from '../observability/log-failure.js';
import { isStoreOutage } from '../store/store-outage.js';
import { PARK_RETRY_MS, type ActionParking } from './action-parking.js';
import type { ActionLog, ActionWorkerOptions, OnDead } from './action-worker-options.js';
import { CompletionBatcher, type Completion } from './completion-batcher.js';
import type { TransformCache } from './transform-cache.js';
import { retryDelayMs } from './retry-delay.js';

/** What an attempt leaves to the worker that claimed its action. */
export interface AttemptHooks {
  /** Holds the action back without an attempt. */
  park: ActionParking['park'];
  /** Writes the attempt's effects in its transaction; returns the actions it handed over, claimed for the worker. */
  applyEffects(tx: StoreRepos, effects: AttemptEffects, now: number): Promise<ActionRecord[]>;
  /** Starts what the attempt handed over, once its claim is committed. */
  handOver(actions: readonly ActionRecord[]): void;
  onDead: OnDead;
}

/** How an outcome reached the store: written now, or found written by an earlier try whose answer was lost. */
type Recorded = 'written' | 'landed';

export class AttemptRunner {
  /** Outcomes of attempts that end together share one transaction (one fsync). */
  private readonly completions: CompletionBatcher;
  private readonly park: AttemptHooks['park'];
  private readonly applyEffects: AttemptHooks['applyEffects'];
  private readonly handOver: AttemptHooks['handOver'];
  private readonly onDead: OnDead;
  /** Outcomes waiting to be asked of the store again; stop() ends their waits. */
  private readonly pauses = new Set<() => void>();
  private stopped = false;

  constructor(
    store: Store,
    private readonly bus: Bus,
    private readonly handlers: Readonly<Record<string, TargetHandler>>,
    private readonly transforms: TransformCache,
    private readonly clock: Clock,
    private readonly options: Pick<ActionWorkerOptions, 'metrics'>,
    private readonly log: ActionLog,
    hooks: AttemptHooks,
  ) {
    this.completions = new CompletionBatcher(store);
    this.park = hooks.park;
    this.applyEffects = hooks.applyEffects;
    this.handOver = hooks.handOver;
    this.onDead = hooks.onDead;
  }

  async execute(action: ActionRecord, event: EventRecord | undefined): Promise<void> {
    const started = this.clock.now();
    const t0 = performance.now();
    let result: JsonValue = null;
    let details: AttemptDetails | undefined;
    let effects: AttemptEffects = {};
    let failure: unknown;
    try {
      const handler = this.handlers[action.targetType];
      if (!handler)
        throw new TargetFailure(`no handler for target type ${action.targetType}`, { permanent: true });
      if (!event) throw new TargetFailure(`event ${action.eventId} no longer exists`, { permanent: true });
      const envelope = toEnvelope(event);
      const target = action.target as { input?: unknown };
      const input = this.transforms.get(target.input).apply(envelope);
      const ran = await handler.run({ action, event, envelope, input });
      ({ result, attempt: details } = ran);
      effects = ran;
    } catch (err) {
      const storeBusy = storeOutageDeferral(err, this.clock.now());
      if (storeBusy !== undefined || err instanceof TargetDeferral) {
        await this.park(
          action,
          storeBusy ?? (err as TargetDeferral),
          storeBusy === undefined ? undefined : err,
        );
        return;
      }
      failure = err;
      if (err instanceof TargetFailure) {
        details = err.opts.attempt;
        effects = err.opts;
      }
    }
    const latencyMs = details?.latencyMs ?? Math.round(performance.now() - t0);
    const now = this.clock.now();
    const attempt = {
      id: newId('attempt', now),
      actionId: action.id,
      org: action.org,
      number: action.attempts,
      startedAt: started,
      latencyMs,
      statusCode: details?.statusCode ?? null,
      request: details?.request ?? null,
      responseHeaders: details?.responseHeaders ?? null,
      responseBody: details?.responseBody ?? null,
      endpoint: action.endpoint,
    };
    // The attempt is recorded either way (the request was made); it settles the action only if it still owns it.
    let owned = false;
    let handedOver: ActionRecord[] = [];
    let recorded: Recorded;
    if (failure === undefined) {
      recorded = await this.record(action, attempt.id, async (tx) => {
        await tx.attempts.insert({ ...attempt, outcome: 'succeeded', error: null });
        owned = await tx.actions.succeed(action.id, action.attempts, result, now);
        if (owned) handedOver = await this.applyEffects(tx, effects, now);
        else await tx.attempts.dropInterrupted(action.org, action.id, action.attempts);
      });
      this.handOver(handedOver);
      this.options.metrics?.attempted(action.targetType, 'succeeded', latencyMs);
    } else {
      const message = (failure as Error)?.message ?? String(failure);
      const next = this.nextAttemptAt(action, failure, now);
      // A death the target did not announce itself (its input could not be built, say) is announced as one it did.
      if (next === null && !effects.events?.length && event)
        effects = {
          ...effects,
          events: this.handlers[action.targetType]?.deadEvents?.(
            action,
            event,
            message,
            now,
            details?.statusCode ?? null,
          ),
        };
      const outcome =
        failure instanceof TargetFailure && failure.opts.outcome ? failure.opts.outcome : 'failed';
      recorded = await this.record(action, attempt.id, async (tx) => {
        await tx.attempts.insert({ ...attempt, outcome, error: message });
        owned = await tx.actions.fail(action.id, action.attempts, message, next, now);
        if (owned) handedOver = await this.applyEffects(tx, effects, now);
        // Overtaken by a later claim, which took this attempt for cut off: its real outcome replaces that entry.
        else await tx.attempts.dropInterrupted(action.org, action.id, action.attempts);
      });
      this.handOver(handedOver);
      this.options.metrics?.attempted(
        action.targetType,
        owned && next === null ? 'dead' : outcome,
        latencyMs,
      );
      if (owned && next === null) {
        this.log.warn({ action: action.id, event: action.eventId, error: message }, 'action dead');
        await this.onDead(action, message).catch((err) => this.log.error({ err }, 'dead-action hook failed'));
      }
    }
    if (recorded === 'landed') {
      // Its transaction committed though the answer was lost: what it settled stands; the bus hears nothing of it,
      // and the sweeps find what it changed.
      this.log.warn(
        { action: action.id, attempt: action.attempts },
        "an attempt's outcome was found recorded after the store's answer to it was lost",
      );
      return;
    }
    if (!owned) {
      this.log.warn(
        { action: action.id, attempt: action.attempts },
        'attempt ended after its lease expired; a later claim owns the action, so this outcome is only recorded',
      );
      return;
    }
    if (effects.events?.length) await new EventPublisher(this.bus).announce(effects.events);
    await this.bus.publish(SUBJECTS.actionChanged(action.org, action.id), {
      id: action.id,
      eventId: action.eventId,
    });
  }

  /** Ends the waits of outcomes the store did not take yet: they are left to their leases (the process is closing). */
  stop(): void {
    this.stopped = true;
    for (const wake of this.pauses) wake();
  }

  /**
   * Records an attempt's outcome. The request was made, so when the store is out of reach (PostgreSQL failing over,
   * SQLite locked past its wait) the outcome is asked again every PARK_RETRY_MS while the action's lease lasts: an
   * outage shorter than the lease neither loses the attempt's record nor makes the message go again when the lease
   * runs out. A commit that landed though its answer was lost is found by its attempt's row, and not made twice.
   */
  private async record(action: ActionRecord, attemptId: string, work: Completion): Promise<Recorded> {
    for (let tries = 0; ; tries++) {
      let landed = false;
      try {
        await this.completions.submit(async (tx) => {
          if (
            tries > 0 &&
            (await tx.attempts.listByAction(action.org, action.id)).some((a) => a.id === attemptId)
          )
            return void (landed = true);
          await work(tx);
        });
        if (tries > 0)
          this.log.warn(
            { action: action.id, tries: tries + 1 },
            'the store recorded an attempt it could not before',
          );
        return landed ? 'landed' : 'written';
      } catch (err) {
        const leaseEnd = action.leaseUntil ?? 0;
        if (!isStoreOutage(err) || this.stopped || this.clock.now() + PARK_RETRY_MS >= leaseEnd) throw err;
        if (tries === 0)
          logFailure(
            this.log,
            err,
            { action: action.id, event: action.eventId, target: action.targetType },
            "the store could not record an attempt's outcome; it is asked again while the lease lasts",
          );
        await this.pause(PARK_RETRY_MS);
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.pauses.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.pauses.add(wake);
    });
  }

  private nextAttemptAt(action: ActionRecord, failure: unknown, now: number): number | null {
    if (isPermanent(failure) || action.attempts >= action.maxAttempts) return null;
    const retryAfter = failure instanceof TargetFailure ? failure.opts.retryAfterMs : undefined;
    const policy = (action.target as { retry?: RetryPolicy }).retry;
    return now + (retryAfter ?? retryDelayMs(policy, action.attempts));
  }
}
