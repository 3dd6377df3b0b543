// compileTransform: one entry point for every input kind, validated at save time with a located reason.
import { beforeAll, describe, expect, it } from 'vitest';
import { compileTransform, disposeCompiled, initSandbox } from '../../src/transform/index.js';
import type { TransformSpec } from '../../src/transform/index.js';
import { envelope, thrown } from './fixtures.js';

beforeAll(async () => {
  await initSandbox();
});

const event = envelope({ order: { id: 'ord_1', total: 120 }, items: [{ sku: 'a' }, { sku: 'b' }] });

describe('compileTransform', () => {
  it('passes the whole envelope when input is omitted', () => {
    const t = compileTransform(undefined);
    expect(t.kind).toBe('envelope');
    expect(t.apply(event)).toEqual(event);
  });

  it('applies each kind to the envelope', () => {
    const cases: [TransformSpec, unknown][] = [
      [{ jmespath: '{id: data.order.id, skus: data.items[].sku}' }, { id: 'ord_1', skus: ['a', 'b'] }],
      [
        {
          paths: { id: '$.data.order.id', total: '$.data.order.total' },
          template: '{"id": "<id>", "total": <total>}',
        },
        { id: 'ord_1', total: 120 },
      ],
      [{ template: 'type=<aws.events.event.ingestion-time>' }, `type=${event.time}`],
      [{ javascript: 'function transform(e) { return e.data.order.total * 2 }' }, 240],
      [{ constant: { hello: ['world'] } }, { hello: ['world'] }],
      [{ constant: null }, null],
    ];
    for (const [spec, expected] of cases) {
      const t = compileTransform(spec);
      expect(t.apply(event)).toEqual(expected);
      disposeCompiled(t);
    }
  });

  it('warns, for the rule tester, about a JMESPath giving null and template variables that match nothing', () => {
    const cases: [TransformSpec, string[]][] = [
      [{ jmespath: 'data.absent' }, ['the input is null: /t/jmespath matched nothing']],
      [{ jmespath: 'data.order.id' }, []],
      [
        { paths: { id: '$.data.order.id', who: '$.data.who', x: '$.x' }, template: '<id> <who> <x> <who>' },
        [
          'template variable <who> is missing: $.data.who matched nothing',
          'template variable <x> is missing: $.x matched nothing',
        ],
      ],
      [
        { paths: { n: '$.data.order.none' }, template: { n: '<n>' } },
        ['template variable <n> is missing: $.data.order.none matched nothing'],
      ],
      // A wildcard that finds nothing renders as [] rather than null: it matched nothing all the same.
      [
        {
          paths: { skus: '$.data.items[*].sku', none: '$.data.order.lines[*].sku' },
          template: '[<skus>, <none>]',
        },
        ['template variable <none> is missing: $.data.order.lines[*].sku matched nothing'],
      ],
      [{ javascript: 'function transform(e) { return null }' }, []],
      [{ constant: null }, []],
      [undefined as unknown as TransformSpec, []],
    ];
    for (const [spec, expected] of cases) {
      const t = compileTransform(spec, '/t');
      expect(t.warnings(event, t.apply(event)), JSON.stringify(spec)).toEqual(expected);
      disposeCompiled(t);
    }
    // A path that finds null found something: no warning.
    const withNull = envelope({ who: null });
    const t = compileTransform({ paths: { who: '$.data.who' }, template: 'hi <who>' }, '/t');
    expect(t.warnings(withNull, t.apply(withNull))).toEqual([]);
  });

  it('returns an immutable constant, unaffected by later changes to the spec', () => {
    const spec = { constant: { list: [1] } };
    const t = compileTransform(spec);
    spec.constant.list.push(2);
    const out = t.apply(event) as { list: number[] };
    expect(out).toEqual({ list: [1] });
    expect(Object.isFrozen(out.list)).toBe(true);
  });

  it.each([
    [{}, '/t', /needs one of jmespath/],
    [{ jmespath: 'a', constant: 1 }, '/t', /only one of .* got jmespath and constant/],
    [{ jmespath: 'a', extra: 1 }, '/t/extra', /unknown field/],
    [{ jmespath: 'a', paths: { x: '$.a' } }, '/t/paths', /only be used with template/],
    [{ paths: { x: '$.a' } }, '/t/template', /^is required: paths are filled into a template/],
    [{ jmespath: 'a[' }, '/t/jmespath', /syntax/i],
    [{ template: '<x>' }, '/t/template', /undefined placeholder <x>/],
    [{ constant: undefined }, '/t/constant', /must be a JSON value/],
    [{ constant: { a: [1, Number.NaN] } }, '/t/constant/a/1', /finite/],
    [{ constant: { d: new Date(0) } }, '/t/constant/d', /must be a JSON value/],
    ['jmespath', '/t', /must be an object/],
  ])('rejects %j at %s', (spec, at, reason) => {
    const err = thrown(() => compileTransform(spec as TransformSpec, '/t'));
    expect(err.code).toBe('EH_TRANSFORM_INVALID');
    expect(err.params.path).toBe(at);
    expect(String(err.params.reason)).toMatch(reason);
  });

  it('reports JavaScript problems as script errors at the javascript path', () => {
    const err = thrown(() => compileTransform({ javascript: 'function transform( {' }, '/targets/2/input'));
    expect(err.code).toBe('EH_SCRIPT_INVALID');
    expect(err.params.path).toBe('/targets/2/input/javascript');
  });

  it('reports runtime JMESPath failures for the one action', () => {
    const t = compileTransform({ jmespath: 'abs(data.order.id)' });
    expect(thrown(() => t.apply(event)).code).toBe('EH_TRANSFORM_FAILED');
  });
});
