// Whether a delivery may start now. Everything that holds it back — the endpoint paused or disabled, an earlier
// message of its FIFO lane unfinished, the rate limit, the concurrency cap, the open circuit — makes the action
// wait (TargetDeferral) without using up an attempt. Waits end at a time, or when something wakes them.
import type { ActionRecord } from '../store/records.js';
import type { Clock, Envelope } from '../core/index.js';
import type { Store } from '../store/port.js';
import { TargetDeferral } from '../targets/target-handler.js';
import type { EndpointLimiters } from './endpoint-limiter.js';
import type { LiveEndpoint } from './live-endpoints.js';

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

  constructor(
    private readonly store: Store,
    private readonly limiters: EndpointLimiters,
    private readonly clock: Clock,
  ) {}

  /** Throws TargetDeferral when the delivery must wait. */
  async enter(endpoint: LiveEndpoint, action: ActionRecord, envelope: Envelope): Promise<GatePass> {
    const record = endpoint.record;
    if (record.status === 'paused') throw new TargetDeferral(WAIT.paused, null);
    if (record.status === 'disabled') throw new TargetDeferral(WAIT.disabled, null);
    const lane = record.ordering === 'fifo' ? await this.checkLane(endpoint, action, envelope) : undefined;
    const now = this.clock.now();
    const limiter = this.limiters.for(record.id, {
      ...(record.rateLimit !== null ? { rateLimit: record.rateLimit } : {}),
      ...(record.maxConcurrency !== null ? { maxConcurrency: record.maxConcurrency } : {}),
    });
    const slot = limiter.tryStart();
    if (!slot.ok) {
      if (slot.reason === 'rate_limited') {
        const until = Math.max(now + slot.retryAfterMs, this.rateSlots.get(record.id) ?? 0);
        this.rateSlots.set(record.id, until + 1000 / (record.rateLimit ?? 1));
        throw new TargetDeferral(WAIT.rateLimited, until);
      }
      this.slotWaiters.set(record.id, (this.slotWaiters.get(record.id) ?? 0) + 1);
      throw new TargetDeferral(WAIT.concurrency, now + CONCURRENCY_RECHECK_MS);
    }
    const permit = endpoint.breaker.permit();
    if (!permit.allowed) {
      slot.release();
      if (permit.retryAt === null) throw new TargetDeferral(WAIT.disabled, now + STALE_BREAKER_MS);
      throw new TargetDeferral(WAIT.circuitOpen, permit.retryAt);
    }
    return { release: () => this.release(endpoint, slot.release), lane };
  }

  private release(endpoint: LiveEndpoint, releaseSlot: () => void): void {
    releaseSlot();
    const id = endpoint.record.id;
    const waiters = this.slotWaiters.get(id) ?? 0;
    if (waiters === 0) return;
    if (waiters === 1) this.slotWaiters.delete(id);
    else this.slotWaiters.set(id, waiters - 1);
    const { org, slug } = endpoint.record;
    void this.store.actions.wakeWaiting(org, slug, this.clock.now(), { reasons: [WAIT.concurrency], limit: 1 }).catch(() => {});
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
    else until = Math.min(now + ORDERING_LONG_MS, Math.max(now, blocker.nextAttemptAt ?? Infinity) + ORDERING_SHORT_MS);
    throw new TargetDeferral(WAIT.ordering, until);
  }
}

/** The FIFO lane of an envelope: the ordering key's value as text ('' — one lane — without a key). */
export function laneOf(endpoint: LiveEndpoint, envelope: Envelope): string {
  if (endpoint.orderingKey === undefined) return '';
  const value = endpoint.orderingKey(envelope);
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
