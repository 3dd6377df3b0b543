// Header limits for the ingest route (SPEC §4.2): how many headers and how many bytes of them a source accepts,
// checked on Node's raw header list before anything else reads the request.
import { EventhookError } from '../core/index.js';

export interface HeaderLimits {
  /** Most header lines (a repeated header counts each time). */
  readonly maxCount: number;
  /** Most bytes of names and values together. */
  readonly maxBytes: number;
}

export const DEFAULT_HEADER_LIMITS: HeaderLimits = { maxCount: 100, maxBytes: 32 * 1024 };

/**
 * Throws EH_INGEST_HEADERS_TOO_LARGE (431) when `rawHeaders` (Node's flat [name, value, name, value, …]) exceeds
 * the limits.
 */
export function checkHeaderLimits(
  rawHeaders: readonly string[],
  limits: HeaderLimits = DEFAULT_HEADER_LIMITS,
): void {
  const count = rawHeaders.length / 2;
  if (count > limits.maxCount) {
    throw new EventhookError('EH_INGEST_HEADERS_TOO_LARGE', { count, maxCount: limits.maxCount });
  }
  let bytes = 0;
  for (const part of rawHeaders) bytes += Buffer.byteLength(part, 'utf8');
  if (bytes > limits.maxBytes) {
    throw new EventhookError('EH_INGEST_HEADERS_TOO_LARGE', { bytes, maxBytes: limits.maxBytes });
  }
}
