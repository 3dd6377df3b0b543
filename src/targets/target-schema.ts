// Target shapes (SPEC §7): one TypeBox schema each, used to validate rules, type the code and document the API.
import { Type, type Static } from '@sinclair/typebox';
import { SLUG_PATTERN } from '../core/ids.js';

const Input = Type.Optional(
  Type.Unknown({
    description:
      'How the target’s input is built from the envelope: omitted = whole envelope; {jmespath}; {paths, template}; {javascript}; {constant}.',
  }),
);

export const RetryPolicy = Type.Object(
  {
    maxAttempts: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 50, description: 'Attempts before the action is dead.' }),
    ),
    schedule: Type.Optional(
      Type.Array(Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$' }), {
        minItems: 1,
        maxItems: 50,
        description: 'Delays before each retry, e.g. ["5s", "5m", "2h"]; the last repeats up to maxAttempts.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RetryPolicy = Static<typeof RetryPolicy>;

const common = { input: Input, retry: Type.Optional(RetryPolicy) };
const Kind = Type.String({ minLength: 1, maxLength: 255 });
const Queue = Type.Optional(Type.String({ minLength: 1, maxLength: 100 }));
const IdempotencyKey = Type.Optional(
  Type.String({
    minLength: 1,
    description:
      'JMESPath over the envelope giving the idempotency key; default {eventId}:{ruleId}:{targetIndex}. A replay ' +
      'with newIdempotencyKeys suffixes either key with the route (the target key with :{eventId}:{routeSeq}), so ' +
      'it starts a new execution.',
  }),
);

export const WorkflowTarget = Type.Object(
  {
    type: Type.Literal('workflow'),
    kind: Kind,
    queue: Queue,
    idempotencyKey: IdempotencyKey,
    metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
    ...common,
  },
  { additionalProperties: false },
);

export const TaskTarget = Type.Object(
  {
    type: Type.Literal('task'),
    kind: Kind,
    queue: Queue,
    maxRetries: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10,
        description:
          'Runs after the first: the task runs at most maxRetries + 1 times, a failure or an expired lease ' +
          'counting as a run (default 3).',
      }),
    ),
    idempotencyKey: IdempotencyKey,
    ...common,
  },
  { additionalProperties: false },
);

export const PromiseTarget = Type.Object(
  {
    type: Type.Literal('promise'),
    mode: Type.Union([Type.Literal('resolve'), Type.Literal('reject')]),
    promise: Type.String({
      minLength: 1,
      description:
        "JMESPath over the envelope giving the promise: an id, or 'key:<idempotency key>' — e.g. join('', ['key:stripe:', data.data.object.id]).",
    }),
    value: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'JMESPath giving the resolve value; default: the target input.',
      }),
    ),
    error: Type.Optional(
      Type.String({ minLength: 1, description: 'JMESPath giving the rejection message.' }),
    ),
    ...common,
  },
  { additionalProperties: false },
);

export const WebhookTarget = Type.Object(
  {
    type: Type.Literal('webhook'),
    endpoint: Type.String({ minLength: 1, description: 'Endpoint slug.' }),
    ...common,
  },
  { additionalProperties: false },
);

/**
 * Sources a rule may not give the events it publishes: `webhook:` is what verified ingest writes, `org:` what another
 * org's events carry, `system:` what Eventhook's own lifecycle events carry (`system:workflows`), and rules of an org
 * trust all three (a forged `webhook:github` would pass for a signed webhook, a forged `system:workflows`
 * `workflow.completed` for a finished workflow). POST /events refuses `webhook:` and `system:` too. The default
 * source, `system:eventhook`, is set by Eventhook itself and is not refused.
 */
const RESERVED_SOURCE_PREFIXES = ['webhook:', 'org:', 'system:'];

/** Why a rule may not publish under `source`, or null when it may. */
export function reservedSourceReason(source: string): string | null {
  const prefix = RESERVED_SOURCE_PREFIXES.find((p) => source.startsWith(p));
  return prefix === undefined
    ? null
    : `must not start with webhook:, org: or system: (reserved: verified webhooks, other orgs' events and Eventhook's own carry them; leave source out for system:eventhook)`;
}

/**
 * SPEC §7 calls the new event's type `type?`; here it is `eventType`, because `type` is the discriminator every target
 * shares (`type: event_bus`).
 */
export const EventBusTarget = Type.Object(
  {
    type: Type.Literal('event_bus'),
    org: Type.Optional(
      Type.String({
        pattern: SLUG_PATTERN,
        description:
          'Slug of the org the new event is published into; default the rule’s own org. Another org must exist when the rule is saved, and must have granted this org the event’s type (POST …/grants) when the action runs.',
      }),
    ),
    eventType: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Type of the new event; default the original type. (Named eventType because type is the target’s kind.)',
      }),
    ),
    source: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Source of the new event; default system:eventhook (set by Eventhook); not webhook:…, org:… or system:… (sources that rules trust). Into another org the source is always org:{this org}, or org:{this org}/{source} when given.',
      }),
    ),
    ...common,
  },
  { additionalProperties: false },
);

export const TARGET_SCHEMAS = [
  WorkflowTarget,
  TaskTarget,
  PromiseTarget,
  WebhookTarget,
  EventBusTarget,
] as const;

export const Target = Type.Union([...TARGET_SCHEMAS]);

/**
 * The HTTP form: `oneOf` with a discriminator on `type`, so a bad target is reported against its own type's
 * schema (e.g. `/targets/0/kind is required`) rather than as a failure of every alternative.
 */
export const TargetIn = Type.Unsafe<Target>({
  type: 'object',
  required: ['type'],
  oneOf: [...TARGET_SCHEMAS],
  discriminator: { propertyName: 'type' },
  description: 'Where a matching event goes. Each target of a rule becomes its own action.',
});

export type WorkflowTarget = Static<typeof WorkflowTarget>;
export type TaskTarget = Static<typeof TaskTarget>;
export type PromiseTarget = Static<typeof PromiseTarget>;
export type WebhookTarget = Static<typeof WebhookTarget>;
export type EventBusTarget = Static<typeof EventBusTarget>;
export type Target = Static<typeof Target>;
export type TargetType = Target['type'];

export const TARGET_TYPES: readonly TargetType[] = ['workflow', 'task', 'promise', 'webhook', 'event_bus'];
