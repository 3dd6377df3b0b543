// The router (SPEC §5): takes committed events, matches the org's rules, and turns every target of every
// matching rule into one Action — all in one transaction with the event's status change, so each event is
// routed exactly once even if the process dies at any point.
import type { Clock } from '../core/clock.js';
import type { JsonValue } from '../core/envelope.js';
import { newId } from '../core/ids.js';
import { Turns } from '../core/turns.js';
import { stageEvents, toEnvelope } from '../events/publisher.js';
import type { Lane, Store } from '../store/port.js';
import {
  actionEndpoint,
  type EventRecord,
  type EventStatus,
  type NewAction,
  type NewEvent,
} from '../store/records.js';
import type { TargetHandler } from '../targets/target-handler.js';
import { MAX_HOPS } from '../targets/event-bus-target.js';
import type { RetryPolicy } from '../targets/target-schema.js';
import { FilterBreaker } from './filter-verdict.js';
import type { RoutingShare } from './routing-share.js';
import type { CompiledRuleSet, RuleCache } from './rule-cache.js';

/** Events matched between two turns of the event loop at most. */
const YIELD_EVERY = 50;

export interface RouterOptions {
  batchSize: number;
  defaultMaxAttempts: number;
  /**
   * The handler of a target type, asked for the attempt budget of a target without `retry.maxAttempts` (webhooks:
   * their endpoint's) and for what an action created dead announces (a webhook's delivery.dead).
   */
  handlerOf?: (targetType: string) => TargetHandler | undefined;
  /** Told each event's routing outcome once it is committed (metrics). */
  onRouted?: (status: EventStatus, org: string) => void;
  /** Each routed event joins the JetStream outbox in the routing transaction (EVENTHOOK_JETSTREAM=on). */
  outbox?: boolean;
  /** With several worker processes: which pending events this one routes. Without, every pending event. */
  share?: RoutingShare;
}

export interface RoutingLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

interface Decision {
  event: EventRecord;
  status: EventStatus;
  error: string | null;
  actions: NewAction[];
  /** Stored with the routing: what the actions born dead announce (a webhook's delivery.dead). */
  deadEvents?: NewEvent[];
}

export class Router {
  private readonly filters = new FilterBreaker();

  constructor(
    private readonly store: Store,
    private readonly rules: RuleCache,
    private readonly clock: Clock,
    private readonly options: RouterOptions,
    private readonly log: RoutingLog,
  ) {}

  /**
   * Routes one batch of pending events; returns how many it routed (a full batch means there may be more) and the
   * lane of every action it created, for the action worker to look at first.
   */
  async routePending(): Promise<{ routed: number; more: boolean; lanes: Lane[] }> {
    const { batchSize, share } = this.options;
    const events = share
      ? await share.pending(batchSize, this.clock.now())
      : await this.store.events.listPending(batchSize);
    if (events.length === 0) return { routed: 0, more: false, lanes: [] };
    // Each org's rules version is read again, after the events: a rule committed before an event (in this process
    // or another) then always applies to it. The cache alone would look at most once a second.
    const orgs = new Set(events.map((e) => e.org));
    for (const org of orgs) this.rules.invalidate(org);
    // One time for the batch: its actions are created and first due at the same moment, so a FIFO lane's message
    // woken "due since just before it was created" sorts ahead of every later message of its lane.
    const now = this.clock.now();
    // Read before deciding, outside the per-event failure handling: a store that cannot answer now leaves the batch
    // pending for the next pass rather than failing its events.
    const ruleSets = new Map<string, CompiledRuleSet>();
    for (const org of orgs) ruleSets.set(org, await this.rules.get(org));
    const decisions: Decision[] = [];
    const turns = new Turns();
    for (const [i, event] of events.entries()) {
      decisions.push(await this.decideOrFail(event, ruleSets.get(event.org)!, now, turns));
      // Matching a large batch is one long run of microtasks: let the answers that arrived meanwhile (deliveries'
      // responses, API calls) be read now and then, rather than each waiting for the whole batch — every 50 events,
      // and sooner once 10 ms have gone by, as one org's filters may each run to their CPU limit.
      if (i % YIELD_EVERY === YIELD_EVERY - 1 || turns.spent()) await turns.give();
    }
    // Conditional on each event still being pending: a second router that raced us changes nothing.
    const committed = await this.store.transaction(async (tx) => {
      const moved = await tx.events.finishRoutingMany(
        decisions.map((d) => ({ id: d.event.id, status: d.status, error: d.error })),
        now,
      );
      const fresh = decisions.filter((d) => moved.has(d.event.id));
      await tx.actions.insertMany(
        fresh.flatMap((d) => d.actions),
        now,
      );
      await stageEvents(
        tx,
        fresh.flatMap((d) => d.deadEvents ?? []),
      );
      if (this.options.outbox) {
        await tx.outbox.add(
          fresh.map(({ event }) => ({
            eventId: event.id,
            routeSeq: event.routeSeq + 1,
            org: event.org,
            createdAt: now,
          })),
        );
      }
      return fresh;
    });
    if (this.options.onRouted) for (const d of committed) this.options.onRouted(d.status, d.event.org);
    const lanes = committed.flatMap((d) =>
      d.actions.map((a) => ({ org: a.org, endpoint: actionEndpoint(a.target) })),
    );
    // Events the batch made (delivery.dead of actions born dead) are routed by the next pass, right away.
    const made = committed.some((d) => d.deadEvents?.length);
    return { routed: committed.length, more: made || events.length === this.options.batchSize, lanes };
  }

  /**
   * An event whose routing throws (a defect: what can fail for a reason of its own fails one action) is marked
   * failed with the reason: left pending, it would head every batch and stop routing for all orgs.
   */
  private async decideOrFail(
    event: EventRecord,
    set: CompiledRuleSet,
    now: number,
    turns: Turns,
  ): Promise<Decision> {
    try {
      return await this.decide(event, set, now, turns);
    } catch (err) {
      const error = `routing failed: ${err instanceof Error ? err.message : String(err)}`;
      this.log.error({ err, event: event.id, org: event.org }, 'routing an event failed');
      return { event, status: 'failed', error, actions: [] };
    }
  }

  /**
   * A target whose budget cannot be read (its endpoint's secrets no longer open, the read failed) still gets its
   * action, with the default budget: its attempts then fail for the real reason, visibly and retriably, and the
   * event's other targets are not held back by it.
   */
  private async budgetOf(event: EventRecord, rule: string, target: JsonValue): Promise<number | undefined> {
    try {
      return await this.options
        .handlerOf?.((target as { type: string }).type)
        ?.maxAttempts?.(event.org, target);
    } catch (err) {
      this.log.error(
        { err, event: event.id, org: event.org, rule },
        "reading a target's attempt budget failed",
      );
      return undefined;
    }
  }

  private async decide(
    event: EventRecord,
    set: CompiledRuleSet,
    now: number,
    turns: Turns,
  ): Promise<Decision> {
    if (event.hopCount > MAX_HOPS) {
      return {
        event,
        status: 'failed',
        error: `hop limit ${MAX_HOPS} exceeded (routing loop?)`,
        actions: [],
      };
    }
    const envelope = toEnvelope(event);
    const routeSeq = event.routeSeq + 1;
    const actions: NewAction[] = [];
    for (const ruleId of set.matcher.match(envelope)) {
      const rule = set.rules.get(ruleId);
      if (!rule) continue;
      let filterError: string | null = rule.filterError ?? null;
      if (rule.filter) {
        const verdict = this.filters.verdict(rule.filter, envelope, now);
        // One event may meet many rules with filters: a turn between them, not only between events.
        if (turns.spent()) await turns.give();
        if (verdict.kind === 'rejected') continue;
        if (verdict.kind === 'failed') {
          filterError = verdict.reason;
          if (!verdict.skipped)
            this.log.error(
              { err: verdict.error, rule: rule.record.id, event: event.id },
              'rule filter failed',
            );
          if (verdict.trippedUntil !== undefined)
            this.log.warn(
              { rule: rule.record.id, org: event.org, until: new Date(verdict.trippedUntil).toISOString() },
              'rule filter ran past its CPU limit on every try for several events in a row: it is skipped (its actions born dead) until then',
            );
        }
      }
      for (const [targetIndex, target] of rule.record.targets.entries()) {
        const t = target as { type: string; retry?: RetryPolicy };
        const maxAttempts =
          t.retry?.maxAttempts ??
          (await this.budgetOf(event, rule.record.id, target)) ??
          this.options.defaultMaxAttempts;
        actions.push({
          id: newId('action', now),
          org: event.org,
          eventId: event.id,
          ruleId: rule.record.id,
          ruleName: rule.record.name,
          targetIndex,
          targetType: t.type,
          target,
          routeSeq,
          maxAttempts,
          // Replays keep the key (a workflow never starts twice) unless the replay asked for fresh keys.
          idempotencyKey: `${event.id}:${rule.record.id}:${targetIndex}${event.freshKeys ? `:${routeSeq}` : ''}`,
          nextAttemptAt: now,
          ...(filterError !== null ? { status: 'dead' as const, lastError: filterError } : {}),
        });
      }
    }
    const deadEvents = actions.flatMap((a) =>
      a.status === 'dead'
        ? (this.options
            .handlerOf?.(a.targetType)
            ?.deadEvents?.({ ...a, attempts: 0 }, event, a.lastError ?? 'dead', now) ?? [])
        : [],
    );
    return {
      event,
      status: actions.length > 0 ? 'routed' : 'unrouted',
      error: null,
      actions,
      ...(deadEvents.length > 0 ? { deadEvents } : {}),
    };
  }
}
