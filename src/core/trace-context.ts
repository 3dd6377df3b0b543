// W3C Trace Context (https://www.w3.org/TR/trace-context/): a call Eventhook makes on behalf of an event continues
// the event's trace. The trace id and flags go on; the parent id names this call (a new span), so tracing systems
// draw the webhook or engine call as a child of whatever sent the event. An event without a valid traceparent
// starts no trace here.
import { randomBytes } from 'node:crypto';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The traceparent of a call made for an event carrying `parent`, or undefined when `parent` is not a valid one. */
export function childTraceparent(
  parent: string | null | undefined,
  newSpanId: () => string = () => randomBytes(8).toString('hex'),
): string | undefined {
  const m = parent === null || parent === undefined ? null : TRACEPARENT.exec(parent.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  // Version ff is forbidden; version 00 has exactly four fields; all-zero ids are invalid.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  // Sent as version 00, the one this code speaks, whatever version came in (the spec's rule for newer versions).
  return `00-${traceId}-${newSpanId()}-${flags}`;
}
