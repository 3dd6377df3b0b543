// A rule under test, compiled once (pattern, filter, target inputs) and run against events exactly as the router
// and the action worker would: the same matcher, the same filter verdicts, the same transform code.
import type { Envelope, JsonValue } from '../core/envelope.js';
import { engineInput } from '../engine/port.js';
import { Matcher, validatePattern } from '../rules/index.js';
import type { Store } from '../store/port.js';
import { keyFromExpression, promiseRef } from '../targets/engine-keys.js';
import { compileTargets, type CompiledTarget } from '../targets/validate-targets.js';
import { compileFilter, type CompiledFilter, type SandboxLimits } from '../transform/index.js';
import { filterVerdict } from './filter-verdict.js';
import { checkTargetReferences } from './target-references.js';

/**
 * What one target would receive: its input (and what looks wrong about it), or why building it would fail; for an
 * engine target, also the idempotency key or the promise its expressions give, or (beside the input) why working
 * one out would fail the attempt.
 */
export interface TargetPreview {
  index: number;
  type: string;
  input?: JsonValue;
  warnings?: string[];
  /**
   * The key a workflow or task target's `idempotencyKey` expression gives, as the engine is sent it (with Flovyn, a
   * key over its limit as its `sha256:` digest); absent without one: the default key.
   */
  idempotencyKey?: string;
  /** A promise target's `promise` expression's answer: the promise it would resolve or reject. */
  promise?: string;
  error?: string;
}

/** What routing would do with one event for the rule under test. */
export interface RuleOutcome {
  /** Routing would create this rule's actions: the pattern matched and the filter did not say false. */
  match: boolean;
  /** Present when a filter was given and the pattern matched: its verdict, or what it threw. */
  filter?: { passed: boolean } | { error: string };
  /** The state routing would create the actions in (one per target), or none. */
  actions: 'pending' | 'dead' | 'none';
  /** With `actions: "dead"`: the reason each action would carry, as routing records it. */
  lastError?: string;
  /** With `actions: "pending"`, when targets were given and asked for: what each would receive. */
  targets?: TargetPreview[];
}

export interface RuleDraft {
  pattern?: unknown;
  filter?: string;
  targets?: unknown[];
}

const NO_MATCH: RuleOutcome = Object.freeze({ match: false, actions: 'none' as const });

export class RuleTrial {
  private constructor(
    private readonly matcher: Matcher<'rule'> | null,
    private readonly filter: CompiledFilter | null,
    private readonly targets: readonly CompiledTarget[],
    private readonly engineKey: (key: string) => string,
  ) {}

  /**
   * Validates the draft as saving a rule does (same codes, same paths, endpoints and orgs checked in `org`) and
   * compiles it. The caller must dispose() the trial: a JavaScript filter or input holds a QuickJS runtime.
   */
  static async compile(
    store: Store,
    org: string,
    draft: RuleDraft,
    limits: SandboxLimits,
    engineKey: (key: string) => string = (key) => key,
  ): Promise<RuleTrial> {
    // In the order saving checks, so the first error reported is the one saving would report.
    if (draft.pattern !== undefined) validatePattern(draft.pattern, '/pattern');
    const matcher =
      draft.pattern === undefined ? null : Matcher.build([{ id: 'rule' as const, pattern: draft.pattern }]);
    const filter = draft.filter ? compileFilter(draft.filter, '/filter', limits) : null;
    let targets: CompiledTarget[] = [];
    try {
      // Validating a target compiles its input: the trial keeps what saving would compile and throw away.
      if (draft.targets) targets = compileTargets(draft.targets, '/targets', limits);
      await checkTargetReferences(
        store,
        org,
        targets.map(({ target }) => target),
      );
    } catch (err) {
      filter?.dispose();
      for (const t of targets) t.input.dispose();
      throw err;
    }
    return new RuleTrial(matcher, filter, targets, engineKey);
  }

  /** What routing would do with `event`; `withInputs` also builds each target's input, as the action worker would. */
  run(event: unknown, withInputs: boolean): RuleOutcome {
    if (this.matcher && this.matcher.match(event).length === 0) return NO_MATCH;
    const envelope = event as Envelope;
    const outcome: RuleOutcome = { match: true, actions: 'pending' };
    if (this.filter) {
      const verdict = filterVerdict(this.filter, envelope);
      if (verdict.kind === 'rejected') return { match: false, filter: { passed: false }, actions: 'none' };
      if (verdict.kind === 'failed')
        return { ...outcome, filter: { error: verdict.message }, actions: 'dead', lastError: verdict.reason };
      outcome.filter = { passed: true };
    }
    if (withInputs && this.targets.length > 0)
      outcome.targets = this.targets.map((t, i) => preview(t, i, envelope, this.engineKey));
    return outcome;
  }

  dispose(): void {
    this.filter?.dispose();
    for (const t of this.targets) t.input.dispose();
  }
}

function preview(
  { target, input }: CompiledTarget,
  index: number,
  envelope: Envelope,
  engineKey: (key: string) => string,
): TargetPreview {
  let value: JsonValue;
  try {
    value = input.apply(envelope);
  } catch (err) {
    return { index, type: target.type, error: (err as Error).message };
  }
  // Over the engines' size limit, the action would be dead at its first attempt: said as that attempt says it, and
  // the input (a megabyte or more) not echoed.
  if (target.type === 'workflow' || target.type === 'task') {
    try {
      engineInput(target.type, value);
    } catch (err) {
      return { index, type: target.type, error: (err as Error).message };
    }
  }
  const warnings = input.warnings(envelope, value);
  const out: TargetPreview = { index, type: target.type, input: value };
  if (warnings.length > 0) out.warnings = warnings;
  // In the order the action worker works them out: the input, then the key or the promise.
  try {
    if ((target.type === 'workflow' || target.type === 'task') && target.idempotencyKey !== undefined)
      out.idempotencyKey = engineKey(keyFromExpression(target.idempotencyKey, envelope));
    if (target.type === 'promise') out.promise = promiseRef(target.promise, envelope);
  } catch (err) {
    out.error = (err as Error).message;
  }
  return out;
}
