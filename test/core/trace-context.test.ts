// W3C Trace Context: a call made for an event continues the event's trace as a new span.
import { describe, expect, it } from 'vitest';
import { childTraceparent } from '../../src/core/trace-context.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = `00-${TRACE}-00f067aa0ba902b7-01`;

describe('childTraceparent', () => {
  it('keeps the trace id and flags and names a new span', () => {
    expect(childTraceparent(PARENT, () => 'b7ad6b7169203331')).toBe(`00-${TRACE}-b7ad6b7169203331-01`);
    const a = childTraceparent(PARENT)!;
    const b = childTraceparent(PARENT)!;
    expect(a).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    expect(a).not.toBe(b);
    expect(childTraceparent(`00-${TRACE}-00f067aa0ba902b7-00`, () => '1111111111111111')).toBe(
      `00-${TRACE}-1111111111111111-00`,
    );
  });

  it('speaks version 00 to a newer version, reading only its first four fields', () => {
    expect(childTraceparent(`01-${TRACE}-00f067aa0ba902b7-01-extra`, () => 'aaaaaaaaaaaaaaaa')).toBe(
      `00-${TRACE}-aaaaaaaaaaaaaaaa-01`,
    );
  });

  it('starts nothing from an absent or invalid traceparent', () => {
    for (const bad of [
      null,
      undefined,
      '',
      'garbage',
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `ff-${TRACE}-00f067aa0ba902b7-01`,
      `00-${TRACE}-00f067aa0ba902b7-01-extra`,
      `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`,
      `00-${TRACE}-00f067aa0ba902b7`,
    ])
      expect(childTraceparent(bad), String(bad)).toBeUndefined();
  });
});
