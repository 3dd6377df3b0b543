// The action worker: claims due actions with a lease, builds each target's input, runs the target, and records
// the attempt and the action's next state (succeeded, failed with a retry time, or dead) — one transition per
// attempt (STYLE §16). A crash mid-attempt leaves the lease behind; once the crashed worker's heartbeats stop, a
// worker still alive ends it (orphaned-leases.ts; else it expires), the action is claimed again, and the target's
// idempotency key keeps the effect single.
// The parts of an attempt live beside it: attempt-runner.ts runs and records one, action-parking.ts holds an action
// back without one, lease-renewal.ts keeps the leases of those under way.
import type { Bus } from '../bus/port.js';
import type { Clock } from '../core/clock.js';
import { stageEvents } from '../events/publisher.js';
import { logFailure } from '../observability/log-failure.js';
import type { ClaimOptions, Lane, Store, StoreRepos } from '../store/port.js';
import type { ActionRecord } from '../store/records.js';
import type { AttemptEffects, TargetHandler } from '../targets/target-handler.js';
import { ActionParking } from './action-parking.js';
import type { ActionLog, ActionWorkerOptions, OnDead } from './action-worker-options.js';
import { AttemptRunner } from './attempt-runner.js';
import { DueFinder } from './due-finder.js';
import { EndpointSlots } from './endpoint-slots.js';
import { LeaseRenewal } from './lease-renewal.js';
import type { TransformCache } from './transform-cache.js';

export type { ActionLog, ActionMetrics, ActionWorkerOptions, OnDead } from './action-worker-options.js';

export class ActionWorker {
  private inFlight = 0;
  private readonly running = new Set<Promise<void>>();
  private readonly attempts: AttemptRunner;
  private readonly parking: ActionParking;
  private readonly slots: EndpointSlots | undefined;
  private readonly finder: DueFinder | undefined;
  private readonly leases: LeaseRenewal;
  private draining = false;
  private kickQueued = false;

  constructor(
    private readonly store: Store,
    bus: Bus,
    handlers: Readonly<Record<string, TargetHandler>>,
    transforms: TransformCache,
    private readonly clock: Clock,
    private readonly options: ActionWorkerOptions,
    private readonly log: ActionLog,
    onDead: OnDead = async () => {},
    private readonly kick: () => void = () => {},
  ) {
    this.parking = new ActionParking(store, clock, options, log);
    this.attempts = new AttemptRunner(store, bus, handlers, transforms, clock, options, log, {
      park: (...args) => this.parking.park(...args),
      applyEffects: (tx, effects, now) => this.applyEffects(tx, effects, now),
      handOver: (actions) => this.handOver(actions),
      onDead,
    });
    this.slots = options.endpointCap ? new EndpointSlots(options.endpointCap) : undefined;
    this.finder = this.slots ? new DueFinder(store) : undefined;
    this.leases = new LeaseRenewal(store, clock, options, log);
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
      // Nearly always empty: only actions whose worker died (their leases lost) are in it.
      const lost = candidates.filter((c) => c.leaseLost).map((c) => c.id);
      claimed =
        picked.length === 0
          ? []
          : await this.store.relaxed((tx) =>
              tx.actions.claim(picked, now, this.options.leaseMs, this.options.holder, lost),
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
      this.leases.hold(action);
      const p = this.attempts
        .execute(action, events.get(action.eventId))
        // An outcome that could not be recorded leaves the action in flight; its lease expiring brings it back.
        // Never an unhandled rejection: that would take the whole process down, and with it every delivery.
        .catch((err: unknown) =>
          logFailure(this.log, err, { action: action.id }, 'recording an attempt failed'),
        )
        .finally(() => {
          this.inFlight--;
          this.options.metrics?.inFlight(this.inFlight);
          this.slots?.finished(action);
          this.leases.release(action);
          this.running.delete(p);
          this.kickSoon();
        });
      this.running.add(p);
    }
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

  /** Drains, and stops asking the store to take outcomes and actions back (they are left to their leases). */
  async close(): Promise<void> {
    this.attempts.stop();
    await this.drain();
    await this.parking.stop();
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
}
