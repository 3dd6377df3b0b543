// Feeds attempt outcomes to an endpoint's circuit breaker and acts on what changes: the state is saved, an opened
// or closed circuit moves the deliveries waiting for it, and a disabled endpoint is marked so and announced
// (endpoint.disabled) — once, in the same transaction as the status change. Each transition is announced, so the
// workers of other processes act on it at once (see LiveEndpoints).
import { auditEntry, bySlug } from '../audit/index.js';
import type { Clock, JsonValue } from '../core/index.js';
import { stageEvents, type EventPublisher } from '../events/publisher.js';
import type { Store } from '../store/port.js';
import type { EndpointRecord, EventRecord, NewEvent } from '../store/records.js';
import type { BreakerState, BreakerTransition } from './circuit-breaker.js';
import { WAIT } from './delivery-gate.js';
import { endpointDisabledEvent } from './delivery-events.js';
import type { LiveEndpoint, LiveEndpoints } from './live-endpoints.js';
import type { DeliveryOutcome } from './retry-policy.js';

export interface StateLog {
  warn(obj: object, msg: string): void;
}

/** Tells the other processes that an endpoint's circuit opened, closed or was disabled; `woken` deliveries are due. */
export type BreakerAnnouncer = (org: string, slug: string, woken: number) => void;

export class EndpointStateKeeper {
  /** Per endpoint id: the last state write queued, so the next one starts after it. */
  private readonly writes = new Map<string, Promise<void>>();
  /** Endpoint reads whose stored failure streak this process already ended: one write per read, not per success. */
  private readonly streaksEnded = new WeakSet<EndpointRecord>();

  constructor(
    private readonly store: Store,
    private readonly endpoints: LiveEndpoints,
    private readonly publisher: EventPublisher,
    private readonly clock: Clock,
    private readonly log: StateLog,
    private readonly announce: BreakerAnnouncer = () => {},
  ) {}

  /** Records one attempt's outcome against the endpoint; `cause` is the event whose delivery it was. */
  async afterAttempt(
    endpoint: LiveEndpoint,
    outcome: DeliveryOutcome,
    cause: EventRecord,
  ): Promise<BreakerTransition | undefined> {
    try {
      return await this.apply(endpoint, outcome, cause);
    } catch (err) {
      // The delivery itself is settled either way; a lost breaker update only delays a pause or a resume.
      this.log.warn(
        { err, org: endpoint.record.org, endpoint: endpoint.record.slug },
        'endpoint state update failed',
      );
      return undefined;
    }
  }

  private async apply(
    endpoint: LiveEndpoint,
    outcome: DeliveryOutcome,
    cause: EventRecord,
  ): Promise<BreakerTransition | undefined> {
    const before = JSON.stringify(endpoint.breaker.state);
    const failuresBefore = endpoint.breaker.state.consecutiveFailures;
    const transition = endpoint.breaker.record(outcome);
    const state = endpoint.breaker.state as unknown as JsonValue;
    const { org, slug } = endpoint.record;
    const now = this.clock.now();
    if (transition?.kind === 'disabled') {
      await this.disable(endpoint, state, transition.reason, outcome, cause, now);
      return transition;
    }
    // A success ends the failure streak of every worker's breaker, not only this one's: another worker's stored
    // streak (this breaker may never have seen it) is cleared and announced like a closing, so that worker forgets
    // its failures too rather than open the circuit, or disable the endpoint as failing for days, on a streak a
    // success ended.
    const endsStreak =
      transition === undefined &&
      (outcome.kind === 'success' || outcome.kind === 'abort') &&
      (failuresBefore > 0 ||
        (storedFailures(endpoint.record) > 0 && !this.streaksEnded.has(endpoint.record)));
    if (endsStreak) this.streaksEnded.add(endpoint.record);
    // The hot path (a success on a healthy endpoint) writes nothing. Each write stores the breaker's state as it is
    // when the write starts, so the last write stores the latest state.
    const written =
      (JSON.stringify(state) !== before || endsStreak) &&
      (await this.inTurn(endpoint, () =>
        this.store.endpoints.setState(
          endpoint.record.id,
          { breaker: endpoint.breaker.state as unknown as JsonValue },
          now,
          // Only onto the version this breaker was built from: after an enable or an edit, a breaker from before
          // must not write its old state back (the endpoint would stay paused after being enabled).
          endpoint.record.updatedAt,
        ),
      ));
    if (transition?.kind === 'closed') {
      const woken = await this.store.actions.wakeWaiting(org, slug, now, { reasons: [WAIT.circuitOpen] });
      if (written) this.announce(org, slug, woken.length);
    }
    if (transition?.kind === 'opened') {
      await this.store.actions.wakeWaiting(org, slug, transition.until, { reasons: [WAIT.circuitOpen] });
      if (written) this.announce(org, slug, 0);
    }
    if (endsStreak && written) {
      // A circuit another worker opened, which this breaker had not taken yet (a delivery that started before),
      // closes on this success as on a probe's: the deliveries waiting for it go now, not at its cool-down's end.
      const woken = await this.store.actions.wakeWaiting(org, slug, now, { reasons: [WAIT.circuitOpen] });
      this.announce(org, slug, woken.length);
    }
    return transition;
  }

  /**
   * Runs an endpoint's state writes one after another. Attempts end concurrently; on a connection pool their writes
   * could otherwise commit out of order and leave an older breaker state stored (say 4 failures and closed after the
   * fifth opened it), which the health API and other processes would then read.
   */
  private inTurn<T>(endpoint: LiveEndpoint, write: () => Promise<T>): Promise<T> {
    const id = endpoint.record.id;
    const run = (this.writes.get(id) ?? Promise.resolve()).then(write, write);
    const settled = run.then(
      () => {},
      () => {},
    );
    this.writes.set(id, settled);
    void settled.then(() => {
      if (this.writes.get(id) === settled) this.writes.delete(id);
    });
    return run;
  }

  private async disable(
    endpoint: LiveEndpoint,
    breaker: JsonValue,
    reason: 'gone' | 'failing',
    outcome: DeliveryOutcome,
    cause: EventRecord,
    now: number,
  ): Promise<void> {
    const record = endpoint.record;
    const detail =
      reason === 'gone'
        ? 'the endpoint answered 410 Gone'
        : `every delivery failed since ${new Date(endpoint.breaker.state.failingSince ?? now).toISOString()}` +
          (outcome.kind === 'retry' ? ` (last: ${outcome.reason})` : '');
    const event: NewEvent = endpointDisabledEvent({ endpoint: record, reason, detail, cause, now });
    const changed = await this.inTurn(endpoint, () =>
      this.store.transaction(async (tx) => {
        const done = await tx.endpoints.setState(
          record.id,
          { breaker, status: 'disabled', disabledReason: detail },
          now,
        );
        if (!done) return false;
        await stageEvents(tx, [event]);
        // A status change moves the version to `now` (setState).
        await tx.auditLog.insert(
          auditEntry(
            'endpoint',
            { ...bySlug(record), updatedAt: now },
            {
              action: 'disabled',
              fields: ['status'],
              actor: { kind: 'system', reason: detail },
              at: now,
            },
          ),
        );
        return true;
      }),
    );
    this.endpoints.invalidate(record.org, record.slug);
    if (!changed) return;
    this.announce(record.org, record.slug, 0);
    this.log.warn({ org: record.org, endpoint: record.slug, reason: detail }, 'endpoint disabled');
    await this.publisher.announce([event]);
  }
}

/** The failures in a row the endpoint's stored breaker state holds (null until the first failure). */
function storedFailures(record: EndpointRecord): number {
  return (record.breaker as Partial<BreakerState> | null)?.consecutiveFailures ?? 0;
}
