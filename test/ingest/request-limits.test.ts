// Header count and size limits answered with EH_INGEST_HEADERS_TOO_LARGE (431).
import { describe, expect, it } from 'vitest';
import { checkHeaderLimits } from '../../src/ingest/request-limits.js';

describe('checkHeaderLimits', () => {
  it('accepts headers within the limits and rejects too many or too large', () => {
    const raw = ['Host', 'x', 'Content-Type', 'application/json'];
    expect(() => checkHeaderLimits(raw, { maxCount: 2, maxBytes: 100 })).not.toThrow();
    expect(() => checkHeaderLimits([...raw, 'X-A', '1'], { maxCount: 2, maxBytes: 100 })).toThrow(
      expect.objectContaining({ code: 'EH_INGEST_HEADERS_TOO_LARGE', status: 431 }),
    );
    expect(() => checkHeaderLimits(['X-Big', 'y'.repeat(200)], { maxCount: 10, maxBytes: 100 })).toThrow(
      expect.objectContaining({ status: 431 }),
    );
  });
});
