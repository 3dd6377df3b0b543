// A key carried in the body (Microsoft Graph clientState) is replaced before the event is stored: the path finds
// the key wherever it sits, the caller's parsed body is left as it was, and raw bytes survive only redacted.
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/core/index.js';
import { replaceAtPath } from '../../src/ingest/body-path.js';
import { storedBodyWithout } from '../../src/ingest/body-credential.js';

const PATH = ['value', '*', 'clientState'];
const KEY = 'the-client-state';

describe('replaceAtPath', () => {
  it('replaces the value in every element under `*` and leaves the original untouched', () => {
    const body = {
      value: [
        { clientState: KEY, id: 1 },
        { clientState: KEY, id: 2 },
      ],
      other: { a: 1 },
    };
    const before = JSON.stringify(body);
    const out = replaceAtPath(body, PATH, 'X') as typeof body;
    expect(out).toEqual({
      value: [
        { clientState: 'X', id: 1 },
        { clientState: 'X', id: 2 },
      ],
      other: { a: 1 },
    });
    expect(JSON.stringify(body)).toBe(before);
    // What the path does not reach is shared, not copied.
    expect(out.other).toBe(body.other);
  });

  it('returns the value itself when the path finds nothing', () => {
    const bodies: JsonValue[] = [{ value: [] }, { value: 'x' }, { other: 1 }, [1, 2], 'text', null];
    for (const body of bodies) {
      expect(replaceAtPath(body, PATH, 'X')).toBe(body);
    }
    const arr = [{ a: 1 }];
    expect(replaceAtPath(arr, ['1', 'a'], 'X')).toBe(arr);
    expect(replaceAtPath(arr, ['0', 'a'], 'X')).toEqual([{ a: 'X' }]);
  });

  it('follows own properties only, including one named __proto__', () => {
    const body = JSON.parse('{"__proto__": {"k": "secret"}}') as JsonValue;
    const out = replaceAtPath(body, ['__proto__', 'k'], 'X');
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"k":"X"}}');
    expect(replaceAtPath({}, ['constructor', 'name'], 'X')).toEqual({});
  });
});

describe('storedBodyWithout', () => {
  const notification = { value: [{ clientState: KEY, resource: 'Users/u1' }] };
  const json = JSON.stringify(notification);

  it('stores a JSON body as its redacted JSON, read back as the raw body', () => {
    const stored = storedBodyWithout(PATH, Buffer.from(json), { data: notification, bodyText: json });
    expect(stored.data).toEqual({ value: [{ clientState: '[redacted]', resource: 'Users/u1' }] });
    expect(stored.bodyText).toBe(JSON.stringify(stored.data));
    expect(stored.rawBody).toBeNull();
  });

  it('keeps no raw bytes of a parsed body it cannot rewrite byte for byte (a form)', () => {
    const form = { 'value.0.clientState': KEY, clientState: KEY };
    const stored = storedBodyWithout(['clientState'], Buffer.from(`clientState=${KEY}`), {
      data: form,
      bodyText: undefined,
    });
    expect(stored).toEqual({
      data: { 'value.0.clientState': KEY, clientState: '[redacted]' },
      bodyText: undefined,
      rawBody: null,
    });
  });

  it('redacts the raw bytes of an event stored without data (rejected), or drops them', () => {
    const forged = JSON.stringify({ value: [{ clientState: KEY }, { clientState: 'forged' }] });
    const stored = storedBodyWithout(PATH, Buffer.from(forged), { data: null, bodyText: undefined });
    expect(stored.data).toBeNull();
    expect(stored.rawBody?.toString()).toBe(
      '{"value":[{"clientState":"[redacted]"},{"clientState":"[redacted]"}]}',
    );
    const garbled = storedBodyWithout(PATH, Buffer.from(`{"value":[{"clientState":"${KEY}"`), {
      data: null,
      bodyText: undefined,
    });
    expect(garbled.rawBody).toBeNull();
  });
});
