// The action worker: claims due actions with a lease, builds each target's input, runs the target, and records
// the attempt and the action's next state (succeeded, failed with a retry time, or dead) — one transition per
// attempt (STYLE §16). A crash mid-attempt leaves the lease behind; once the crashed worker's heartbeats stop, a
// worker still alive ends it (orphaned-leases.ts; else it expires), the action is claimed again, and the target's
// idempotency key keeps the effect single.
import type { Bus } from '../bus/port.js';
import { SUBJECTS } from '../bus/port.js';
import type { Clock } from '../core/clock.js';
import type { JsonValue } from '../core/envelope.js';
import { newId, type ActionId } from '../core/ids.js';
import { EventPublisher, stageEvents, toEnvelope } from '../events/publisher.js';
import { logFailure } from '../observability/log-failure.js';
import type { ClaimOptions, Lane, Store, StoreRepos } from '../store/port.js';
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
import { CompletionBatcher, type Completion } from './completion-batcher.js';
import { DueFinder } from './due-finder.js';
import { EndpointSlots, type EndpointCap } from './endpoint-slots.js';
import type { TransformCache } from './transform-cache.js';
import { retryDelayMs } from './retry-delay.js';

export interface ActionWorkerOptions {
  concurrency: number;
  leaseMs: number;
  /**
   * Who holds the leases this worker takes (its presence id): when its heartbeats stop, the workers still alive
   * take its actions back without waiting for the leases to run out (see orphaned-leases.ts).
   */
  holder?: string;
  /**
   * How many actions of one endpoint may run at once in this worker (see EndpointSlots). Without it, actions are
   * claimed in due order regardless of their endpoint.
   */
  endpointCap?: EndpointCap;
  metrics?: ActionMetrics;
}

/** What the worker reports for metrics (SPEC §10: action outcomes, delivery latency, queue depth). */
export interface ActionMetrics {
  /** An attempt was recorded: `outcome` as stored on it, or `dead` when it was the action's last. */
  attempted(target: string, outcome: string, latencyMs: number): void;
  /** An action was held back without an attempt (endpoint paused, circuit open, limits, FIFO). */
  deferred(target: string, reason: string): void;
  /** Attempts under way in this worker. */
  inFlight(count: number): void;
}

export interface ActionLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Hooks for target types that need to know when an action dies (webhooks emit delivery.dead). */
export type OnDead = (action: ActionRecord, error: string) => Promise<void>;

export class ActionWorker {
  private inFlight = 0;
  private readonly running = new Set<Promise<void>>();
  /** Outcomes of attempts that end together share one transaction (one fsync). */
  private readonly completions: CompletionBatcher;
  /** Actions held back until woken (a paused endpoint's backlog) are parked together, in one transaction. */
  private readonly deferrals: CompletionBatcher;
  private readonly slots: EndpointSlots | undefined;
  private readonly finder: DueFinder | undefined;
  /** Attempts under way here (action id → attempt number), whose leases the heartbeat keeps from expiring. */
  private readonly held = new Map<ActionId, number>();
  private heartbeat: NodeJS.Timeout | undefined;
  private draining = false;
  private kickQueued = false;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly handlers: Readonly<Record<string, TargetHandler>>,
    private readonly transforms: TransformCache,
    private readonly clock: Clock,
    private readonly options: ActionWorkerOptions,
    private readonly log: ActionLog,
    private readonly onDead: OnDead = async () => {},
    private readonly kick: () => void = () => {},
  ) {
    this.completions = new CompletionBatcher(store);
    this.deferrals = new CompletionBatcher(store, 256, 'relaxed');
    this.slots = options.endpointCap ? new EndpointSlots(options.endpointCap) : undefined;
    this.finder = this.slots ? new DueFinder(store) : undefined;
  }

  /** Lanes that just got due work (the router's new actions): the next pass looks at them directly. */
  hint(lanes: Iterable<Lane>): void {
    this.finder?.hint(lanes);
  }

  /** One pass: claim as many due actions as there is room for and start them. */
  async claimAndStart(): Promise<{ more: boolean; wakeAt: number | null }> {
    const room = this.options.concurrency - this.inFlight;
    if (room <= 0) return { more: false, wakeAt: null };
    const now = this.clock.now();
    let claimed: ActionRecord[];
    let skip: ClaimOptions['skip'] = [];
    if (this.slots === undefined) {
      // Claims need no flush to disk: a claim lost to a power cut leaves the action due, as an expired lease would.
      claimed = await this.store.relaxed((tx) =>
        tx.actions.claimDue(now, room, this.options.leaseMs, this.options.holder),
      );
    } else {
      // With endpoints at their cap, look a little further than the room: the oldest due may be theirs. Without,
      // the room is enough: should an endpoint fill up during the pick, the pass takes less than the room and the
      // next pass, straight after, skips that endpoint. (Reading twice the room made every pass behind one busy
      // endpoint read a page of its backlog it could not take.)
      skip = this.slots.saturated();
      const limit = skip.length === 0 ? room : room * 2;
      const candidates = await this.finder!.candidates(now, limit, skip, this.slots.open());
      const picked = this.slots.pick(candidates, room);
      claimed =
        picked.length === 0
          ? []
          : await this.store.relaxed((tx) =>
              tx.actions.claim(picked, now, this.options.leaseMs, this.options.holder),
            );
    }
    await this.launch(claimed);
    if (claimed.length === room) return { more: true, wakeAt: null };
    // Endpoints at their cap now, this pick's included: a pass straight away would only find their backlogs again.
    const full = this.slots?.saturated() ?? [];
    if (full.length === 0) return { more: false, wakeAt: await this.store.actions.nextDueAt() };
    // What is due by now and was not taken belongs to endpoints at their cap (their finishing deliveries kick the
    // next pass) or lies behind their backlogs (the next deep look finds it). So look past now only.
    const next = await this.store.actions.nextDueAt({ skip: full, after: now });
    const deepLook = now + this.finder!.msUntilDeepLook();
    return { more: false, wakeAt: next === null ? deepLook : Math.min(next, deepLook) };
  }

  /** Starts claimed actions: their events in one query, then each attempt, counted in flight until it ends. */
  private async launch(claimed: readonly ActionRecord[]): Promise<void> {
    if (claimed.length === 0) return;
    const events = new Map(
      (await this.store.events.getMany([...new Set(claimed.map((a) => a.eventId))])).map((e) => [e.id, e]),
    );
    for (const action of claimed) {
      this.inFlight++;
      this.options.metrics?.inFlight(this.inFlight);
      this.slots?.started(action);
      this.hold(action);
      const p = this.execute(action, events.get(action.eventId))
        // An outcome that could not be recorded leaves the action in flight; its lease expiring brings it back.
        // Never an unhandled rejection: that would take the whole process down, and with it every delivery.
        .catch((err: unknown) =>
          logFailure(this.log, err, { action: action.id }, 'recording an attempt failed'),
        )
        .finally(() => {
          this.inFlight--;
          this.options.metrics?.inFlight(this.inFlight);
          this.slots?.finished(action);
          this.release(action);
          this.running.delete(p);
          this.kickSoon();
        });
      this.running.add(p);
    }
  }

  /**
   * An attempt may outlast its lease (a slow receiver with a long timeout, an OAuth token refresh): without renewal
   * another pass would claim the action again and send it a second time while the first send is still going.
   * While attempts are under way, their leases are extended every third of the lease.
   */
  private hold(action: ActionRecord): void {
    this.held.set(action.id, action.attempts);
    this.heartbeat ??= setInterval(() => void this.renewLeases(), Math.max(10, this.options.leaseMs / 3));
    this.heartbeat.unref?.();
  }

  private release(action: ActionRecord): void {
    this.held.delete(action.id);
    if (this.held.size === 0 && this.heartbeat !== undefined) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  private async renewLeases(): Promise<void> {
    const held = [...this.held].map(([id, attempt]) => ({ id, attempt }));
    if (held.length === 0) return;
    const until = this.clock.now() + this.options.leaseMs;
    // Relaxed: a renewal lost to a power cut only lets the lease expire, as it would have without it.
    await this.store
      .relaxed((tx) => tx.actions.renewLeases(held, until))
      .catch((err: unknown) => logFailure(this.log, err, {}, 'lease renewal failed'));
  }

  /**
   * Attempts whose outcomes were committed together end in one go: one pass after all of them fills the slots they
   * freed, where a pass per ending would start with one slot and leave the rest to the next.
   */
  private kickSoon(): void {
    if (this.kickQueued) return;
    this.kickQueued = true;
    setImmediate(() => {
      this.kickQueued = false;
      this.kick();
    });
  }

  /** Waits for the attempts under way; meanwhile none hands over to the next (see applyEffects). */
  async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.running.size > 0) await Promise.allSettled([...this.running]);
    } finally {
      // Nothing runs any more, so nothing can hand over: the worker may be used again (tests wait with drain).
      this.draining = false;
    }
  }

  private async execute(action: ActionRecord, event: EventRecord | undefined): Promise<void> {
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
    if (failure === undefined) {
      await this.completions.submit(async (tx) => {
        await tx.attempts.insert({ ...attempt, outcome: 'succeeded', error: null });
        owned = await tx.actions.succeed(action.id, action.attempts, result, now);
        if (owned) handedOver = await this.applyEffects(tx, effects, now);
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
      await this.completions.submit(async (tx) => {
        await tx.attempts.insert({ ...attempt, outcome, error: message });
        owned = await tx.actions.fail(action.id, action.attempts, message, next, now);
        if (owned) handedOver = await this.applyEffects(tx, effects, now);
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

  /**
   * Not an attempt: the claim is undone and the action waits (endpoint paused, circuit open, FIFO, limits, the store
   * too busy or out of reach). `storeOutage` is the error of a target the store did not serve (timed out or unreachable),
   * logged here, once.
   */
  private async park(action: ActionRecord, deferral: TargetDeferral, storeOutage?: unknown): Promise<void> {
    this.options.metrics?.deferred(action.targetType, deferral.reason);
    // Relaxed too: if parking is lost, the action is in flight under an expired lease and gets parked again.
    const at = this.clock.now();
    const park: Completion = (tx) => tx.actions.defer(action.id, deferral.until, deferral.reason, at);
    const fields = { action: action.id, event: action.eventId, target: action.targetType };
    try {
      // Only waits without a time are batched: they come as whole backlogs, and their recheck reads state already
      // committed. A timed wait (FIFO, limits, open circuit) is parked at once, as it always was: a FIFO message's
      // recheck races the completion of the message ahead on PostgreSQL, and a shared transaction would widen
      // that window.
      await (deferral.until === null ? this.deferrals.submit(park) : this.store.relaxed(park));
    } catch (err) {
      if (storeOutage === undefined) throw err;
      // Parking is a store write too, and the store that failed the target may fail it as well (SQLite still locked,
      // PostgreSQL still out of reach). The action is not lost: it stays in flight under this claim's lease, which nothing renews once
      // this attempt ends (release), so a claim pass takes it again when the lease runs out — or sooner, through a
      // worker still alive, if this one's heartbeats stop (orphaned-leases.ts). That claim counts an attempt more,
      // as a re-claim after a crash does: this claim's count could not be given back.
      logFailure(
        this.log,
        err,
        { ...fields, cause: (storeOutage as Error).message },
        'the store could not serve an action, nor take it back; it runs again when its lease runs out',
      );
      return;
    }
    if (storeOutage !== undefined)
      logFailure(
        this.log,
        storeOutage,
        { ...fields, until: deferral.until },
        'the store could not serve an action; it runs again shortly, its attempt not counted',
      );
    await deferral
      .recheck?.()
      .catch((e) => logFailure(this.log, e, { action: action.id }, 'deferral recheck failed'));
  }

  /** Writes the attempt's effects; returns the actions it handed over, claimed for this worker in the same transaction. */
  private async applyEffects(tx: StoreRepos, effects: AttemptEffects, now: number): Promise<ActionRecord[]> {
    if (effects.events?.length) await stageEvents(tx, effects.events);
    const next = await effects.commit?.(tx);
    if (!next?.length || this.draining) return [];
    return tx.actions.claim(next, now, this.options.leaseMs, this.options.holder);
  }

  /**
   * Starts what an attempt handed over (the next message of a FIFO lane) as soon as their claim is committed: a claim
   * pass would find them only after a kick, a query for due work and a claim transaction of its own.
   */
  private handOver(actions: readonly ActionRecord[]): void {
    if (actions.length === 0) return;
    this.launch(actions).catch((err: unknown) =>
      // Claimed but not started: their leases run out and a claim pass takes them again.
      logFailure(this.log, err, { actions: actions.map((a) => a.id) }, 'starting handed-over actions failed'),
    );
  }

  private nextAttemptAt(action: ActionRecord, failure: unknown, now: number): number | null {
    if (isPermanent(failure) || action.attempts >= action.maxAttempts) return null;
    const retryAfter = failure instanceof TargetFailure ? failure.opts.retryAfterMs : undefined;
    const policy = (action.target as { retry?: RetryPolicy }).retry;
    return now + (retryAfter ?? retryDelayMs(policy, action.attempts));
  }
}
