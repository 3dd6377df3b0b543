// Whether a delivery may start now. Everything that holds it back — the endpoint paused or disabled, an earlier
// message of its FIFO lane unfinished, the rate limit, the concurrency cap, the open circuit — makes the action
// wait (TargetDeferral) without using up an attempt. Waits end at a time, or when something wakes them.
import type { ActionRecord } from '../store/records.js';
import { SharedRun } from '../core/shared-run.js';
import type { ActionId, Clock, Envelope } from '../core/index.js';
import type { ActionsRepo, Store } from '../store/port.js';
import { TargetDeferral } from '../targets/target-handler.js';
import type { EndpointLimiters } from './endpoint-limiter.js';
import type { LiveEndpoint } from './live-endpoints.js';
import { shareOf, SOLE_WORKER, type WorkerShare } from '../routing/worker-presence.js';

/** Why an action waits; shown as `waiting` on the action and used to wake the right ones. */
export const WAIT = {
  paused: 'endpoint_paused',
  disabled: 'endpoint_disabled',
  ordering: 'ordering',
  rateLimited: 'rate_limited',
  concurrency: 'concurrency',
  circuitOpen: 'circuit_open',
} as const;

/** A FIFO message behind one that is in flight looks again after this, in case it missed being woken. */
const ORDERING_SHORT_MS = 5000;
/** Behind a message that itself waits: it will wake us when done; this only bounds a lost wake-up. */
const ORDERING_LONG_MS = 10 * 60_000;
/** The lane of the message ahead is not known yet (it has not been claimed): look again soon. */
const ORDERING_UNKNOWN_MS = 1000;
const CONCURRENCY_RECHECK_MS = 5000;
/** A breaker this process saw disabled while the endpoint is active: another process re-enabled it. */
const STALE_BREAKER_MS = 2000;

/** Permission to send: call `release` when the attempt ends. `lane` is the FIFO lane, when ordered. */
export interface GatePass {
  release(): void;
  lane: string | undefined;
}

export class DeliveryGate {
  /** Per endpoint: when the next rate-limited message is due, so a backlog comes back spread out, not in a herd. */
  private readonly rateSlots = new Map<string, number>();
  /** Per endpoint: actions sent to wait for a free slot, woken one by one as slots free. */
  private readonly slotWaiters = new Map<string, number>();
  /** maxConcurrency of the endpoints seen so far, for capFor. */
  private readonly caps = new Map<string, number>();
  /** Per endpoint: the status rechecks that actions parked at about the same moment share. */
  private readonly statusRechecks = new Map<string, SharedRun>();

  constructor(
    private readonly store: Store,
    private readonly limiters: EndpointLimiters,
    private readonly clock: Clock,
    /**
     * Deliveries one endpoint may have in flight in this process when it sets no lower maxConcurrency: a share of
     * the worker's slots, so one slow endpoint cannot hold them all while others wait.
     */
    private readonly fairShare: number = Infinity,
    /** Drops this process's cached copy of an endpoint that turned out to be stale. */
    private readonly refresh: (org: string, slug: string) => void = () => {},
    /** This worker's share of the workers alive: each endpoint's limits are divided among them. */
    private readonly share: () => WorkerShare = () => SOLE_WORKER,
  ) {}

  /** Throws TargetDeferral when the delivery must wait. */
  async enter(endpoint: LiveEndpoint, action: ActionRecord, envelope: Envelope): Promise<GatePass> {
    const record = endpoint.record;
    if (record.status !== 'active') {
      const reason = record.status === 'paused' ? WAIT.paused : WAIT.disabled;
      throw new TargetDeferral(reason, null, () => this.recheckStatus(endpoint));
    }
    const lane = record.ordering === 'fifo' ? await this.checkLane(endpoint, action, envelope) : undefined;
    const now = this.clock.now();
    // The endpoint's limits hold for all workers together: each takes its share of them.
    const share = this.share();
    const ownCap = record.maxConcurrency === null ? Infinity : shareOf(record.maxConcurrency, share);
    const maxConcurrency = Math.min(ownCap, this.fairShare);
    const rateLimit = record.rateLimit === null ? undefined : record.rateLimit / share.count;
    if (this.caps.size >= 10_000) this.caps.clear();
    this.caps.set(`${record.org}\n${record.slug}`, maxConcurrency);
    // More workers than the cap allows in flight: the others deliver this endpoint's messages.
    if (maxConcurrency === 0) throw new TargetDeferral(WAIT.concurrency, now + CONCURRENCY_RECHECK_MS);
    const limiter = this.limiters.for(record.id, {
      ...(rateLimit !== undefined ? { rateLimit } : {}),
      ...(Number.isFinite(maxConcurrency) ? { maxConcurrency } : {}),
    });
    const slot = limiter.tryStart();
    if (!slot.ok) {
      if (slot.reason === 'rate_limited') {
        const until = Math.max(now + slot.retryAfterMs, this.rateSlots.get(record.id) ?? 0);
        this.rateSlots.set(record.id, until + 1000 / (rateLimit ?? 1));
        throw new TargetDeferral(WAIT.rateLimited, until);
      }
      this.slotWaiters.set(record.id, (this.slotWaiters.get(record.id) ?? 0) + 1);
      // A slot may have freed (and found nobody waiting yet) while this action was being put to wait.
      const recheck = async () => {
        if (limiter.inFlight < maxConcurrency) await this.wakeSlotWaiter(endpoint);
      };
      throw new TargetDeferral(WAIT.concurrency, now + CONCURRENCY_RECHECK_MS, recheck);
    }
    const permit = endpoint.breaker.permit();
    if (!permit.allowed) {
      // Not asked before the limiter: a breaker past its cool-down hands out its probe, which a rate refusal would
      // then strand until the probe timeout. So the limiter goes first and its token is given back here.
      slot.cancel();
      if (permit.retryAt === null) throw new TargetDeferral(WAIT.disabled, now + STALE_BREAKER_MS);
      throw new TargetDeferral(WAIT.circuitOpen, permit.retryAt, () => this.recheckCircuit(endpoint));
    }
    return { release: () => this.release(endpoint, slot.release), lane };
  }

  /**
   * Deliveries of one endpoint this process runs at once: its maxConcurrency (once seen) within the fair share.
   * The action worker claims no more than this, so the limiter below rarely has to turn one away.
   */
  capFor(org: string, endpoint: string): number {
    return Math.min(this.caps.get(`${org}\n${endpoint}`) ?? Infinity, this.fairShare);
  }

  private release(endpoint: LiveEndpoint, releaseSlot: () => void): void {
    releaseSlot();
    if ((this.slotWaiters.get(endpoint.record.id) ?? 0) > 0)
      void this.wakeSlotWaiter(endpoint).catch(() => {});
  }

  /** Wakes the oldest action waiting for a slot; counted off only when one was found (it may still be on its way). */
  private async wakeSlotWaiter(endpoint: LiveEndpoint): Promise<void> {
    const id = endpoint.record.id;
    const { org, slug } = endpoint.record;
    const woken = await this.store.actions.wakeWaiting(org, slug, this.clock.now(), {
      reasons: [WAIT.concurrency],
      limit: 1,
    });
    const left = (this.slotWaiters.get(id) ?? 0) - woken.length;
    if (left > 0) this.slotWaiters.set(id, left);
    else this.slotWaiters.delete(id);
  }

  private async wake(endpoint: LiveEndpoint, reason: string, at: number): Promise<void> {
    await this.store.actions.wakeWaiting(endpoint.record.org, endpoint.record.slug, at, {
      reasons: [reason],
    });
  }

  /**
   * The endpoint may have been enabled (here or in another process) while this action was being parked, or the
   * copy that parked it was stale. Actions parked at about the same moment share rechecks: each would otherwise read
   * the endpoint and wake its whole backlog again, and an enable with a deep backlog became a storm of claims,
   * parkings and wakes until the stale copy expired. A caller never joins a recheck that began before its own
   * parking was stored (it could miss it): it shares the next one, queued behind the running one.
   */
  private recheckStatus(endpoint: LiveEndpoint): Promise<void> {
    const { org, slug } = endpoint.record;
    const key = `${org}\n${slug}`;
    let shared = this.statusRechecks.get(key);
    if (!shared) {
      shared = new SharedRun(() => this.recheckStatusNow(org, slug));
      this.statusRechecks.set(key, shared);
    }
    const done = shared;
    return done.run().finally(() => {
      if (done.idle && this.statusRechecks.get(key) === done) this.statusRechecks.delete(key);
    });
  }

  private async recheckStatusNow(org: string, slug: string): Promise<void> {
    // Settled: an enable committing right now must be seen, or its wake (which skipped this parking, still
    // uncommitted then) and this recheck would both miss it, and the delivery would wait for a restart.
    const fresh = await this.store.endpoints.get(org, slug, { settled: true });
    if (fresh && fresh.status !== 'active') return;
    this.refresh(org, slug);
    await this.store.actions.wakeWaiting(org, slug, this.clock.now(), {
      reasons: [WAIT.paused, WAIT.disabled],
    });
  }

  /** The probe may have ended while this action was being parked: follow the breaker's current state. */
  private async recheckCircuit(endpoint: LiveEndpoint): Promise<void> {
    const state = endpoint.breaker.state;
    if (state.status === 'closed') await this.wake(endpoint, WAIT.circuitOpen, this.clock.now());
    else if (state.status === 'open' && state.openUntil !== null)
      await this.wake(endpoint, WAIT.circuitOpen, state.openUntil);
  }

  /** The action's lane, after making sure nothing older in it is unfinished (else it waits). */
  private async checkLane(endpoint: LiveEndpoint, action: ActionRecord, envelope: Envelope): Promise<string> {
    const lane = laneOf(endpoint, envelope);
    const { org, slug } = endpoint.record;
    if (action.orderingKey !== lane) await this.store.actions.setOrderingKey(action.id, lane);
    const blocker = await this.store.actions.orderingBlocker(org, slug, action.id, lane);
    if (blocker === undefined) return lane;
    const now = this.clock.now();
    let until: number;
    if (blocker.orderingKey === null) until = now + ORDERING_UNKNOWN_MS;
    else if (blocker.status === 'in_flight') until = now + ORDERING_SHORT_MS;
    else
      until = Math.min(
        now + ORDERING_LONG_MS,
        Math.max(now, blocker.nextAttemptAt ?? Infinity) + ORDERING_SHORT_MS,
      );
    // The message ahead may have finished (and found nothing to wake) while this one was being parked. Settled: if
    // its outcome is committing right now, its wake may have skipped this parking (not committed then), so wait
    // for that outcome rather than read it as still in flight.
    const recheck = async () => {
      const settled = { settled: true };
      if ((await this.store.actions.orderingBlocker(org, slug, action.id, lane, settled)) === undefined) {
        await wakeNextInLane(this.store.actions, endpoint, lane, this.clock.now());
      }
    };
    throw new TargetDeferral(WAIT.ordering, until, recheck);
  }
}

/**
 * Wakes the oldest message waiting in a FIFO lane, as due since just before it was created: ahead of the lane's later
 * messages, which a burst may have made due before this wake. Returns it when it was woken.
 */
export async function wakeNextInLane(
  actions: Pick<ActionsRepo, 'wakeWaiting'>,
  endpoint: LiveEndpoint,
  lane: string,
  now: number,
): Promise<ActionId[]> {
  return actions.wakeWaiting(endpoint.record.org, endpoint.record.slug, now, {
    reasons: [WAIT.ordering],
    orderingKey: lane,
    limit: 1,
    first: true,
  });
}

/** The FIFO lane of an envelope: the ordering key's value as text ('' — one lane — without a key). */
export function laneOf(endpoint: LiveEndpoint, envelope: Envelope): string {
  if (endpoint.orderingKey === undefined) return '';
  const value = endpoint.orderingKey(envelope);
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
