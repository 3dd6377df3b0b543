// Rule testing before a rule goes live (SPEC §5): a draft rule (pattern, filter, targets) against a sample event
// exactly as given, or a backtest over stored events in a time range, answering what routing would do with each.
import type { Envelope } from '../core/envelope.js';
import { EventhookError, invalid } from '../core/errors.js';
import type { EventId } from '../core/ids.js';
import { Turns } from '../core/turns.js';
import { toEnvelope } from '../events/publisher.js';
import type { Store } from '../store/port.js';
import type { SandboxLimits } from '../transform/index.js';
import { RuleTrial, type RuleDraft, type RuleOutcome } from './rule-trial.js';

export interface RuleTest extends RuleDraft {
  event?: unknown;
  /** A stored event of the org, tested as its envelope (what routing matches). */
  eventId?: string;
  since?: number;
  /** Default: now. */
  until?: number;
  /** Events to examine at most (newest first). */
  limit?: number;
}

export interface BacktestResult {
  scanned: number;
  /** Events routing would create the rule's actions for (pattern matched, filter did not say false). */
  matched: number;
  /** Events the pattern matched but the filter rejected. */
  filterRejected: number;
  /** Matched events whose filter threw: routing would create their actions dead. */
  filterFailed: number;
  /** True when the scan stopped before the start of the range: `limit` events examined, or the time budget spent. */
  truncated: boolean;
  /** The first matched events (newest first). */
  sample: Envelope[];
  /** What routing would do with each event of `sample`, in the same order. */
  outcomes: (RuleOutcome & { eventId: string })[];
}

const DEFAULT_BACKTEST_LIMIT = 10_000;
const SAMPLE_SIZE = 10;
const PAGE = 500;
/** Wall time a backtest may take: a filter costs up to its CPU limit per event, and 100,000 of those is too long. */
const BUDGET_MS = 10_000;

/**
 * Seconds a refused backtest is told to wait (Retry-After): the most one takes. One runs per org at a time: each
 * may run a filter to its CPU limit on every event for 10 s, and so many of them at once would share the process's
 * time with every other org's requests and routing.
 */
const BUSY_RETRY_AFTER_S = Math.ceil(BUDGET_MS / 1000);

export class RuleTester {
  /** The orgs with a backtest running in this process. */
  private readonly backtesting = new Set<string>();

  /** `engineKey`: the key the engine is sent for a target's key (Flovyn's digest of a long one); default: the key. */
  constructor(
    private readonly store: Store,
    private readonly limits: SandboxLimits,
    private readonly engineKey: (key: string) => string = (key) => key,
  ) {}

  /** A sample test answers one RuleOutcome; a backtest (given `since`) a BacktestResult. */
  async test(org: string, draft: RuleTest): Promise<RuleOutcome | BacktestResult> {
    const t = await this.withStoredEvent(org, draft);
    if (t.event !== undefined) {
      // Either one or the other: a backtest field beside a sample event would otherwise be ignored silently.
      const extra = (['since', 'until', 'limit'] as const).find((f) => t[f] !== undefined);
      if (extra !== undefined)
        throw invalid([
          { path: `/${extra}`, message: 'is for a backtest, which cannot be combined with event' },
        ]);
    } else if (t.since === undefined) {
      throw invalid([
        { path: '/event', message: 'is required, unless since is given to backtest stored events' },
      ]);
    } else if (t.pattern === undefined) {
      throw invalid([{ path: '/pattern', message: 'is required to backtest' }]);
    } else if (t.until === undefined && !(Date.now() > t.since)) {
      // until defaults to now: the user gave none to blame.
      throw invalid([
        {
          path: '/since',
          message: 'is in the future: a backtest reads events stored from since until now (or until)',
        },
      ]);
    } else if (t.until !== undefined && !(t.until > t.since)) {
      throw invalid([{ path: '/until', message: 'must be after since' }]);
    }
    const trial = await RuleTrial.compile(this.store, org, t, this.limits, this.engineKey);
    try {
      if (t.event !== undefined) return trial.run(t.event, true);
      if (this.backtesting.has(org)) {
        throw new EventhookError(
          'EH_BACKTEST_BUSY',
          { org },
          { headers: { 'retry-after': String(BUSY_RETRY_AFTER_S) } },
        );
      }
      this.backtesting.add(org);
      try {
        return await this.backtest(
          org,
          trial,
          t.since!,
          t.until ?? Date.now(),
          t.limit ?? DEFAULT_BACKTEST_LIMIT,
        );
      } finally {
        this.backtesting.delete(org);
      }
    } finally {
      trial.dispose();
    }
  }

  /**
   * A stored event given by id is tested as routing sees it (its envelope): a copy of GET /events/{id} pasted as
   * `event` differs from it (`correlationId` there is `correlationid` in the envelope, and it carries the actions).
   */
  private async withStoredEvent(org: string, t: RuleTest): Promise<RuleTest> {
    if (t.eventId === undefined) return t;
    if (t.event !== undefined)
      throw invalid([{ path: '/eventId', message: 'give event or eventId, not both' }]);
    const stored = await this.store.events.get(org, t.eventId as EventId);
    if (!stored) throw new EventhookError('EH_EVENT_NOT_FOUND', { event: t.eventId });
    return { ...t, event: toEnvelope(stored) };
  }

  private async backtest(
    org: string,
    trial: RuleTrial,
    since: number,
    until: number,
    limit: number,
  ): Promise<BacktestResult> {
    const out: BacktestResult = {
      scanned: 0,
      matched: 0,
      filterRejected: 0,
      filterFailed: 0,
      truncated: false,
      sample: [],
      outcomes: [],
    };
    const deadline = performance.now() + BUDGET_MS;
    // Sandbox calls are synchronous and a member's filter may run each to its CPU limit: turns by time, as routing.
    const turns = new Turns();
    let before: string | undefined;
    for (;;) {
      const page = await this.store.events.list(org, { since, until }, { limit: PAGE, before });
      for (const e of page.items) {
        if (out.scanned === limit || performance.now() > deadline) {
          out.truncated = true;
          return out;
        }
        out.scanned++;
        if (e.status === 'rejected') continue;
        const envelope = toEnvelope(e);
        // Target inputs only for the sample: they are what a user reads, and each may cost a sandbox call.
        const outcome = trial.run(envelope, out.sample.length < SAMPLE_SIZE);
        if (outcome.filter && 'passed' in outcome.filter && !outcome.filter.passed) out.filterRejected++;
        if (turns.spent()) await turns.give();
        if (!outcome.match) continue;
        out.matched++;
        if (outcome.actions === 'dead') out.filterFailed++;
        if (out.sample.length < SAMPLE_SIZE) {
          out.sample.push(envelope);
          out.outcomes.push({ eventId: e.id, ...outcome });
        }
      }
      if (page.next === null) return out;
      before = page.next;
    }
  }
}
