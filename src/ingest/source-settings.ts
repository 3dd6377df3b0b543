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

/** A custom acknowledgement (SPEC §4.7): what the sender gets once the event is stored, instead of the default. */
export const SourceResponseSchema = Type.Object(
  {
    status: Type.Optional(
      Type.Integer({ minimum: 200, maximum: 299, description: 'A 2xx status; default 200.' }),
    ),
    body: Type.Optional(
      Type.String({
        maxLength: 65_536,
        description: 'Sent as is, except that {{eventId}} becomes the event id. Default: empty.',
      }),
    ),
    contentType: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'Default: application/json when the body is JSON, else text/plain; charset=utf-8.',
      }),
    ),
  },
  { additionalProperties: false, title: 'SourceResponse' },
);
export type SourceResponse = Static<typeof SourceResponseSchema>;

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
    response: Type.Optional(SourceResponseSchema),
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
  'response',
] as const satisfies readonly (keyof SourceSettings)[];
