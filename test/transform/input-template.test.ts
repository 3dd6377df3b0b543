// EventBridge-style input transformers: variables from paths, JSON and text templates, reserved variables, and
// everything rejected at save time.
import { describe, expect, it } from 'vitest';
import { compileInputTemplate } from '../../src/transform/input-template.js';
import { MAX_RESULT_CHARS } from '../../src/transform/jmespath.js';
import { envelope, thrown } from './fixtures.js';

const event = envelope({
  id: 42,
  state: 'running',
  note: 'he said "hi"\nthen left',
  tags: ['a', 'b'],
  detail: { region: 'eu', zone: 1 },
  missingNot: null,
});
const paths = {
  id: '$.data.id',
  state: '$.data.state',
  note: '$.data.note',
  tags: '$.data.tags',
  detail: '$.data.detail',
  nothing: '$.data.absent',
  nul: '$.data.missingNot',
  event_type: '$.type',
};

describe('compileInputTemplate', () => {
  it('fills a plain text template and returns a JSON string', () => {
    const fn = compileInputTemplate(paths, 'order <id> is in state <state>');
    expect(fn(event)).toBe('order 42 is in state running');
  });

  it('inserts JSON values outside quotes and escaped text inside quotes', () => {
    const fn = compileInputTemplate(
      paths,
      '{"id": <id>, "tags": <tags>, "detail": <detail>, "msg": "<event_type>: <note>", "state": <state>}',
    );
    expect(fn(event)).toEqual({
      id: 42,
      tags: ['a', 'b'],
      detail: { region: 'eu', zone: 1 },
      msg: 'pull_request.opened: he said "hi"\nthen left',
      state: 'running',
    });
  });

  it('follows EventBridge for missing values (null as a value, empty as text) and objects inside text', () => {
    const fn = compileInputTemplate(
      paths,
      '{"v": <nothing>, "t": "[<nothing>]", "n": <nul>, "o": "d=<detail>"}',
    );
    expect(fn(event)).toEqual({ v: null, t: '[]', n: null, o: 'd={region:eu,zone:1}' });
  });

  it('an object inserted as text loses its JSON quotes only: quotes and backslashes of its strings stay as written', () => {
    const quoted = envelope({ d: { note: 'he said "hi"\nthen left', path: 'C:\\tmp', list: ['"x"'] } });
    const fn = compileInputTemplate({ d: '$.data.d' }, '{"o": "d=<d>"}');
    // Before: every " of the JSON text was dropped, so `he said \"hi\"` came out as `he said \hi\` (escapes kept).
    expect(fn(quoted)).toEqual({ o: 'd={note:he said "hi"\nthen left,path:C:\\tmp,list:["x"]}' });
    expect(compileInputTemplate({ d: '$.data.d' }, 'd=<d>')(quoted)).toBe(
      'd={note:he said "hi"\nthen left,path:C:\\tmp,list:["x"]}',
    );
  });

  it('treats a template that parses as JSON once filled as JSON: a lone placeholder keeps its type', () => {
    expect(compileInputTemplate(paths, '<tags>')(event)).toEqual(['a', 'b']);
    expect(compileInputTemplate(paths, '"<id>"')(event)).toBe('42');
    expect(compileInputTemplate(paths, 'a < b and <id> > 1')(event)).toBe('a < b and 42 > 1');
  });

  it('accepts a JSON value as template: strings that are exactly one placeholder keep the value type', () => {
    const fn = compileInputTemplate(paths, {
      id: '<id>',
      text: 'id <id>',
      nested: [{ d: '<detail>' }],
      fixed: true,
    });
    expect(fn(event)).toEqual({
      id: 42,
      text: 'id 42',
      nested: [{ d: { region: 'eu', zone: 1 } }],
      fixed: true,
    });
  });

  it('maps the reserved variables onto the envelope', () => {
    const whole = compileInputTemplate(
      undefined,
      '{"e": <eventhook.event>, "aws": <aws.events.event.json>}',
    )(event);
    expect(whole).toEqual({ e: event, aws: event });
    const { data: _data, ...withoutData } = event;
    expect(compileInputTemplate(undefined, '<aws.events.event>')(event)).toEqual(withoutData);
    expect(compileInputTemplate(undefined, 'at <aws.events.event.ingestion-time>')(event)).toBe(
      `at ${event.time}`,
    );
    const text = compileInputTemplate(undefined, { body: 'raw: <eventhook.event.json>' })(event) as {
      body: string;
    };
    expect(JSON.parse(text.body.slice('raw: '.length))).toEqual(event);
  });

  it('rejects placeholders not defined in paths, naming them', () => {
    const err = thrown(() =>
      compileInputTemplate({ id: '$.data.id' }, '{"a": <id>, "b": "<who> <what>"}', '/targets/0/input'),
    );
    expect(err.code).toBe('EH_TRANSFORM_INVALID');
    expect(err.params.path).toBe('/targets/0/input/template');
    expect(err.params.reason).toBe('undefined placeholders <who>, <what>: define them in paths');
  });

  it.each([
    [{ 'bad name': '$.a' }, '<x>', '/input/paths/bad name', /variable names/],
    [{ 'aws.mine': '$.a' }, '<x>', '/input/paths/aws.mine', /reserved/],
    [{ 'eventhook.x': '$.a' }, '<x>', '/input/paths/eventhook.x', /reserved/],
    [{ x: 'data.a' }, '<x>', '/input/paths/x', /start with \$/],
    [{ x: '$.a' }, '{"a": <x>', '/input/template', /not valid JSON/],
    [{ x: '$.a' }, '{"<x>": 1}', '/input/template', /cannot be used as an object key/],
    [{ x: '$.a' }, { '<x>': 1 }, '/input/template', /cannot be used as an object key/],
    [{}, '"<eventhook.event>"', '/input/template', /only stand as a JSON value/],
    [{}, 'event: <aws.events.event>', '/input/template', /only stand as a JSON value/],
    [{}, '<aws.events.rule-name>', '/input/template', /not available in Eventhook/],
  ])('rejects paths %j with template %j at %s', (p, template, at, reason) => {
    const err = thrown(() => compileInputTemplate(p as Record<string, string>, template));
    expect(err.code).toBe('EH_TRANSFORM_INVALID');
    expect(err.params.path).toBe(at);
    expect(String(err.params.reason)).toMatch(reason);
  });

  it('fails a result over 16 MiB of JSON as it grows, instead of building gigabytes', () => {
    // A 64 KiB template can name one big value thousands of times: 13,000 copies of a 1 MB field are 13 GB.
    const big = envelope({ blob: 'x'.repeat(1_000_000) });
    const many = '<b>'.repeat(13_000);
    const started = performance.now();
    for (const template of [`"${many}"`, `[${Array(13_000).fill('<b>').join(',')}]`, many]) {
      const err = thrown(() => compileInputTemplate({ b: '$.data.blob' }, template)(big));
      expect(err.code).toBe('EH_TRANSFORM_FAILED');
      expect(err.params.reason).toBe(`the result would be more than ${MAX_RESULT_CHARS} characters of JSON`);
    }
    expect(performance.now() - started).toBeLessThan(3000);
    expect((compileInputTemplate({ b: '$.data.blob' }, '[<b>, <b>]')(big) as string[]).length).toBe(2);
  });

  it('allows at most 100 variables', () => {
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`v${i}`, '$.data.id']));
    expect(String(thrown(() => compileInputTemplate(many, 'x')).params.reason)).toMatch(/at most 100/);
    delete many.v100;
    expect(compileInputTemplate(many, '<v99>')(event)).toBe(42);
  });

  it('collects wildcard paths into arrays', () => {
    const e = envelope({ items: [{ sku: 'a' }, { sku: 'b' }] });
    expect(compileInputTemplate({ skus: '$.data.items[*].sku' }, { skus: '<skus>' })(e)).toEqual({
      skus: ['a', 'b'],
    });
  });
});
