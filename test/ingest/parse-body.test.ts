// Body parsing by content type, the nesting limit (without recursion), and multipart fields.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_JSON_DEPTH, jsonDepth, parseBody } from '../../src/ingest/parse-body.js';

const limits = { maxDepth: DEFAULT_MAX_JSON_DEPTH };
const parse = (body: string | Buffer, ct?: string, l = limits) => parseBody(Buffer.from(body), ct, l);

describe('parseBody', () => {
  it('parses JSON and +json types, keeping __proto__ a plain field', () => {
    expect(parse('{"a":[1,{"b":null}]}', 'application/json; charset=utf-8')).toEqual({
      kind: 'json',
      data: { a: [1, { b: null }] },
      text: '{"a":[1,{"b":null}]}',
    });
    expect(parse('{"specversion":"1.0"}', 'application/cloudevents+json').kind).toBe('json');
    const proto = parse('{"__proto__":{"polluted":true}}', 'application/json').data as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('gives the text JSON was parsed from only when it is exactly the body (not after a byte order mark)', () => {
    const text = '{ "n": 1.50, "ä": "\\u00e4" }\n';
    expect(Buffer.from(parse(text, 'application/json').text!).equals(Buffer.from(text))).toBe(true);
    const bom = parse(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
      'application/json',
    );
    expect(bom).toEqual({ kind: 'json', data: { n: 1.5, ä: 'ä' } });
    expect(parse('a=1', 'application/x-www-form-urlencoded').text).toBeUndefined();
  });

  it('throws EH_INGEST_MALFORMED with the reason for malformed JSON and bad UTF-8', () => {
    expect(() => parse('{"a":', 'application/json')).toThrow(
      expect.objectContaining({ code: 'EH_INGEST_MALFORMED', status: 400 }),
    );
    expect(() => parse(Buffer.from([0x22, 0xff, 0x22]), 'application/json')).toThrow(/not valid UTF-8/);
  });

  it('enforces the nesting limit by scanning, even for depths that would overflow a recursive parser', () => {
    expect(parse('[[[1]]]', 'application/json', { maxDepth: 3 }).data).toEqual([[[1]]]);
    expect(() => parse('[[[[1]]]]', 'application/json', { maxDepth: 3 })).toThrow(
      /nesting depth exceeds the limit of 3/,
    );
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    expect(() => parse(deep, 'application/json')).toThrow(
      expect.objectContaining({ code: 'EH_INGEST_MALFORMED' }),
    );
    // brackets inside strings, and escaped quotes, do not count
    expect(jsonDepth(Buffer.from('{"a":"[[[[\\"[[[["}'))).toBe(1);
  });

  it('parses form bodies into fields, repeated fields into arrays', () => {
    expect(parse('a=1&b=x+y&a=2&c=%E2%9C%93', 'application/x-www-form-urlencoded')).toEqual({
      kind: 'form',
      data: { a: ['1', '2'], b: 'x y', c: '✓' },
    });
  });

  it('parses multipart text fields and describes file parts', () => {
    const body = [
      '--XyZ',
      'Content-Disposition: form-data; name="event"',
      '',
      'delivered',
      '--XyZ',
      'Content-Disposition: form-data; name="attachment-1"; filename="a.txt"',
      'Content-Type: text/plain',
      '',
      'hello',
      '--XyZ',
      'Content-Disposition: form-data; name="tag"',
      '',
      'one',
      '--XyZ',
      'Content-Disposition: form-data; name="tag"',
      '',
      'two',
      '--XyZ--',
      '',
    ].join('\r\n');
    expect(parse(body, 'multipart/form-data; boundary="XyZ"')).toEqual({
      kind: 'multipart',
      data: {
        event: 'delivered',
        'attachment-1': { filename: 'a.txt', contentType: 'text/plain', size: 5 },
        tag: ['one', 'two'],
      },
    });
    expect(() =>
      parse(
        '--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end',
        'multipart/form-data; boundary=XyZ',
      ),
    ).toThrow(/closing boundary/);
    expect(() => parse(body, 'multipart/form-data')).toThrow(/boundary parameter is missing/);
  });

  it('keeps text as a string, everything else raw, and empty bodies as nothing', () => {
    expect(parse('<xml/>', 'text/xml')).toEqual({ kind: 'text', data: '<xml/>' });
    expect(parse(Buffer.from([0xe4]), 'text/plain; charset=iso-8859-1')).toEqual({ kind: 'text', data: 'ä' });
    expect(parse('\x00\x01', 'application/octet-stream')).toEqual({ kind: 'raw', data: undefined });
    expect(parse('{"a":1}', undefined)).toEqual({ kind: 'raw', data: undefined });
    expect(parse('', 'application/json')).toEqual({ kind: 'raw', data: undefined });
  });
});
