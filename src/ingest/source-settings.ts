// What a source stores besides its verifier: provider options, dedup, event-type extraction, limits.
import { Type, type Static } from '@sinclair/typebox';
import { EventTypeConfigSchema, IdempotencyKeyPathSchema } from './extract.js';

export const RateLimitSchema = Type.Object(
  {
    perSecond: Type.Number({
      exclusiveMinimum: 0,
      maximum: 100_000,
      description: 'Sustained requests per second.',
    }),
    burst: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1_000_000,
        description: 'Requests allowed at once; default 2 × perSecond.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Source settings as stored (JSON) and as the API accepts them. Every field is optional. */
export const SourceSettingsSchema = Type.Object(
  {
    options: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'Provider options (e.g. Square notificationUrl, Meta verifyToken); see GET /providers.',
      }),
    ),
    idempotencyKeys: Type.Optional(
      Type.Array(IdempotencyKeyPathSchema, {
        maxItems: 10,
        description:
          'Ordered fallbacks; the first present value is the key. Default: the provider template’s.',
      }),
    ),
    dedupWindowSeconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 90 * 86_400, description: 'Default 7 days.' }),
    ),
    eventType: Type.Optional(EventTypeConfigSchema),
    bodyLimit: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Largest body in bytes (default 1 MiB, at most the server maximum, 10 MiB by default).',
      }),
    ),
    rateLimit: Type.Optional(RateLimitSchema),
    ipAllowList: Type.Optional(
      Type.Array(Type.String(), {
        maxItems: 100,
        description: 'CIDRs or addresses allowed to call this source.',
      }),
    ),
    storeRejected: Type.Optional(
      Type.Boolean({
        description: 'Store requests that fail verification as `rejected` events (never routed).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SourceSettings = Static<typeof SourceSettingsSchema>;

export const SETTINGS_FIELDS = [
  'options',
  'idempotencyKeys',
  'dedupWindowSeconds',
  'eventType',
  'bodyLimit',
  'rateLimit',
  'ipAllowList',
  'storeRejected',
] as const satisfies readonly (keyof SourceSettings)[];
