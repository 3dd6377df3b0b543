// Rule testing before a rule goes live (issue 4 §7): a pattern (and filter, and targets' inputs) against a sample
// event exactly as given, or a backtest over stored events in a time range.
import type { Envelope, JsonValue } from '../core/envelope.js';
import { invalid } from '../core/errors.js';
import { toEnvelope } from '../events/publisher.js';
import { Matcher, matchesPattern, validatePattern } from '../rules/index.js';
import type { Store } from '../store/port.js';
import type { Target } from '../targets/target-schema.js';
import { validateTargets } from '../targets/validate-targets.js';
import {
  compileFilter,
  compileTransform,
  type SandboxLimits,
  type TransformSpec,
} from '../transform/index.js';

export interface SampleTest {
  pattern?: unknown;
  filter?: string;
  targets?: unknown[];
  event: unknown;
}

export interface SampleResult {
  match: boolean;
  /** Present when a filter was given and the pattern matched. */
  filter?: { passed: boolean } | { error: string };
  /** What each target would receive, when targets were given and the event matched. */
  targets?: (
    { index: number; type: string; input: JsonValue } | { index: number; type: string; error: string }
  )[];
}

export interface Backtest {
  pattern: unknown;
  since: number;
  until: number;
  /** Events to examine at most (newest first). */
  limit: number;
}

export interface BacktestResult {
  scanned: number;
  matched: number;
  /** True when the range held more events than `limit`. */
  truncated: boolean;
  sample: Envelope[];
}

const SAMPLE_SIZE = 10;
const PAGE = 500;

export class RuleTester {
  constructor(
    private readonly store: Store,
    private readonly limits: SandboxLimits,
  ) {}

  testSample(t: SampleTest): SampleResult {
    if (t.pattern !== undefined) validatePattern(t.pattern, '/pattern');
    const match = t.pattern === undefined ? true : matchesPattern(t.pattern, t.event);
    const result: SampleResult = { match };
    if (!match) {
      // Still validate what was given, so a broken filter or target is reported even for a non-matching event.
      if (t.filter) compileFilter(t.filter, '/filter', this.limits).dispose?.();
      if (t.targets) validateTargets(t.targets, '/targets', this.limits);
      return result;
    }
    if (t.filter) {
      const filter = compileFilter(t.filter, '/filter', this.limits);
      try {
        result.filter = { passed: filter.test(t.event as Envelope) };
      } catch (err) {
        result.filter = { error: (err as Error).message };
      } finally {
        filter.dispose?.();
      }
      if ('passed' in result.filter && !result.filter.passed) result.match = false;
    }
    if (t.targets && result.match) {
      const targets: Target[] = validateTargets(t.targets, '/targets', this.limits);
      result.targets = targets.map((target, index) => {
        const transform = compileTransform(
          target.input as TransformSpec | undefined,
          `/targets/${index}/input`,
          this.limits,
        );
        try {
          return { index, type: target.type, input: transform.apply(t.event as Envelope) };
        } catch (err) {
          return { index, type: target.type, error: (err as Error).message };
        } finally {
          transform.dispose?.();
        }
      });
    }
    return result;
  }

  async backtest(org: string, b: Backtest): Promise<BacktestResult> {
    validatePattern(b.pattern, '/pattern');
    if (!(b.until > b.since)) throw invalid([{ path: '/until', message: 'must be after since' }]);
    const matcher = Matcher.build([{ id: 'pattern', pattern: b.pattern }]);
    const out: BacktestResult = { scanned: 0, matched: 0, truncated: false, sample: [] };
    let before: string | undefined;
    for (;;) {
      const page = await this.store.events.list(
        org,
        { since: b.since, until: b.until },
        { limit: PAGE, before },
      );
      for (const e of page.items) {
        if (out.scanned === b.limit) {
          out.truncated = true;
          return out;
        }
        out.scanned++;
        if (e.status === 'rejected') continue;
        const envelope = toEnvelope(e);
        if (matcher.match(envelope).length > 0) {
          out.matched++;
          if (out.sample.length < SAMPLE_SIZE) out.sample.push(envelope);
        }
      }
      if (page.next === null) return out;
      before = page.next;
    }
  }
}
