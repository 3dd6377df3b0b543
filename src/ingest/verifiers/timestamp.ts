// Signature timestamps: where a verifier finds one, how it is written, and the freshness window that stops replays.
import { Type, type Static } from '@sinclair/typebox';
import { reject, type VerifyResult } from './types.js';

export const TimestampConfigSchema = Type.Object(
  {
    from: Type.Union([Type.Literal('header'), Type.Literal('signature'), Type.Literal('body')], {
      description:
        'header: a request header; signature: a key of a key=value signature header (Stripe t=); body: a dot path into the parsed body (Linear webhookTimestamp)',
    }),
    name: Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'Header name, signature key or body dot path',
    }),
    format: Type.Union([Type.Literal('unix_seconds'), Type.Literal('unix_ms'), Type.Literal('rfc3339')], {
      default: 'unix_seconds',
    }),
    toleranceSeconds: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 604_800,
        description:
          'Maximum distance from now, either way (only into the past with pastOnly). Absent or 0: the timestamp is signed but not checked.',
      }),
    ),
    pastOnly: Type.Optional(
      Type.Boolean({
        description:
          "Check only the timestamp's age: one in the future is accepted, as the provider's own verifier does (Stripe).",
      }),
    ),
  },
  { additionalProperties: false, description: 'Where the signed timestamp is and how fresh it must be' },
);
export type TimestampConfig = Static<typeof TimestampConfigSchema>;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch, or undefined when `raw` is not written in `format`. */
export function parseTimestamp(raw: string | number, format: TimestampConfig['format']): number | undefined {
  if (format === 'rfc3339') {
    if (typeof raw !== 'string' || !RFC3339.test(raw)) return undefined;
    const ms = Date.parse(raw);
    return Number.isFinite(ms) ? ms : undefined;
  }
  const text = typeof raw === 'number' ? (Number.isSafeInteger(raw) ? String(raw) : '') : raw;
  if (!/^\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return format === 'unix_seconds' ? n * 1000 : n;
}

/** A rejection when `ms` lies further than the tolerance from `now`; undefined when fresh or unchecked. */
export function checkFreshness(
  ms: number,
  now: number,
  toleranceSeconds: number | undefined,
  pastOnly = false,
): VerifyResult | undefined {
  if (!toleranceSeconds) return undefined;
  const skew = Math.round((now - ms) / 1000);
  if ((pastOnly ? now - ms : Math.abs(now - ms)) <= toleranceSeconds * 1000) return undefined;
  const side = skew > 0 ? `${skew} s old` : `${-skew} s in the future`;
  return reject('stale_timestamp', `the signed timestamp is ${side} (tolerance ${toleranceSeconds} s)`);
}
