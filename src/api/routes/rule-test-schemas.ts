// Request and answer of POST /rules/test (the rule tester): a draft rule and a sample event or a time range.
import { Type } from '@fastify/type-provider-typebox';
import { TargetIn } from '../../targets/target-schema.js';

export const Pattern = Type.Record(Type.String(), Type.Unknown(), {
  description: 'An Amazon EventBridge event pattern over the envelope (docs/pattern-language.md).',
  examples: [{ source: ['webhook:github'], type: ['push'] }],
});

export const RuleTestIn = Type.Object(
  {
    pattern: Type.Optional(Pattern),
    filter: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100_000,
        description: 'JavaScript: function filter(event) { return … }',
      }),
    ),
    targets: Type.Optional(
      Type.Array(TargetIn, {
        minItems: 1,
        maxItems: 10,
        description:
          'Validated as saving a rule does (a webhook endpoint must exist); each gets its input previewed.',
      }),
    ),
    event: Type.Optional(
      Type.Unknown({
        description:
          'Sample test: any JSON value, matched exactly as given (e.g. an EventBridge event with detail-type and detail). Not with since.',
      }),
    ),
    eventId: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Sample test with a stored event (evt_…), matched as routing sees it: its envelope. Not with event or since.',
      }),
    ),
    since: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Backtest: stored events received at or after (needs a pattern; not with event).',
      }),
    ),
    until: Type.Optional(
      Type.String({ format: 'date-time', description: 'Backtest: received before (default now).' }),
    ),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        // No `default`: validation would fill it in, and a limit beside a sample event is refused.
        description: 'Backtest: events to examine at most (default 10,000).',
      }),
    ),
  },
  { additionalProperties: false },
);

const TargetPreviewOut = Type.Object(
  {
    index: Type.Integer({ description: 'The target’s index in targets.' }),
    type: Type.String(),
    input: Type.Optional(
      Type.Unknown({ description: 'What the target would receive, built as the action worker does.' }),
    ),
    warnings: Type.Optional(
      Type.Array(Type.String(), {
        description:
          'Why the input may not be what was meant, e.g. "the input is null: /targets/0/input/jmespath matched nothing".',
      }),
    ),
    idempotencyKey: Type.Optional(
      Type.String({
        description:
          'A workflow or task target with an idempotencyKey expression: the key it gives, as the engine gets it (with Flovyn, a key over 255 bytes as its sha256: digest; without an expression, the default {eventId}:{ruleId}:{targetIndex}).',
      }),
    ),
    promise: Type.Optional(
      Type.String({
        description: 'A promise target: the promise its promise expression names (an id or key:<key>).',
      }),
    ),
    error: Type.Optional(
      Type.String({
        description:
          'Why the action’s attempt would fail: building the input (then no input), or working out the idempotency key or promise (e.g. "The transform failed: idempotencyKey gave null, not a string"), which kills the action at its first attempt.',
      }),
    ),
  },
  {
    description:
      'The input (with warnings when any) or, when it cannot be built, error; for an engine target, also its idempotencyKey or promise, or error when that cannot be worked out.',
  },
);

const OutcomeFields = {
  match: Type.Boolean({
    description:
      'Routing would create the rule’s actions: the pattern matched and the filter did not return false (a filter that throws counts: its actions are created dead).',
  }),
  filter: Type.Optional(
    Type.Object(
      { passed: Type.Optional(Type.Boolean()), error: Type.Optional(Type.String()) },
      { description: 'When a filter was given and the pattern matched: {passed} or, if it threw, {error}.' },
    ),
  ),
  actions: Type.Union([Type.Literal('pending'), Type.Literal('dead'), Type.Literal('none')], {
    description:
      'What routing would do: create one action per target (pending), create them dead because the filter threw (dead), or create none.',
  }),
  lastError: Type.Optional(
    Type.String({
      description: 'With actions "dead": the reason each action would carry ("filter failed: …").',
    }),
  ),
  targets: Type.Optional(
    Type.Array(TargetPreviewOut, {
      description: 'With actions "pending" and targets given: what each would receive.',
    }),
  ),
};

const OutcomeOut = Type.Object({ eventId: Type.String(), ...OutcomeFields });

/** One object for both answers: a sample test sets the outcome fields, a backtest the counts. */
export const RuleTestOut = Type.Object({
  match: Type.Optional(OutcomeFields.match),
  filter: OutcomeFields.filter,
  actions: Type.Optional(OutcomeFields.actions),
  lastError: OutcomeFields.lastError,
  targets: OutcomeFields.targets,
  scanned: Type.Optional(Type.Integer({ description: 'Backtest: stored events examined.' })),
  matched: Type.Optional(
    Type.Integer({ description: 'Backtest: events routing would create the rule’s actions for (as match).' }),
  ),
  filterRejected: Type.Optional(
    Type.Integer({ description: 'Backtest: events the pattern matched and the filter rejected.' }),
  ),
  filterFailed: Type.Optional(
    Type.Integer({
      description: 'Backtest: matched events whose filter threw (their actions would be dead).',
    }),
  ),
  truncated: Type.Optional(
    Type.Boolean({
      description:
        'Backtest: the scan stopped early, at limit events or after its 10 s budget; older ones were not examined.',
    }),
  ),
  sample: Type.Optional(
    Type.Array(Type.Unknown(), {
      description: 'Backtest: the first 10 matched events (newest first), as envelopes.',
    }),
  ),
  outcomes: Type.Optional(
    Type.Array(OutcomeOut, {
      description:
        'Backtest: what routing would do with each event of sample, in the same order, target inputs included.',
    }),
  ),
});
