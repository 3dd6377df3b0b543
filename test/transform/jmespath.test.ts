// compileJmespath: save-time rejection with a located reason, per-event evaluation, runtime failures as errors.
import { describe, expect, it } from 'vitest';
import { thrown } from './fixtures.js';
import { compileJmespath, JMESPATH_MAX_STEPS } from '../../src/transform/jmespath.js';

describe('compileJmespath', () => {
  it('evaluates the compiled expression against each input', () => {
    const fn = compileJmespath('data.items[?qty > `1`].sku');
    expect(
      fn({
        data: {
          items: [
            { sku: 'a', qty: 1 },
            { sku: 'b', qty: 3 },
          ],
        },
      }),
    ).toEqual(['b']);
    expect(fn({ data: { items: [] } })).toEqual([]);
    expect(fn({})).toBeNull();
  });

  it('builds new objects with multi-select hashes', () => {
    const fn = compileJmespath('{id: id, who: data.user.name, tags: data.tags[*]}');
    expect(fn({ id: 'evt_1', data: { user: { name: 'ada' }, tags: ['x', 'y'] } })).toEqual({
      id: 'evt_1',
      who: 'ada',
      tags: ['x', 'y'],
    });
  });

  it('rejects a syntax error at compile time with the path and the parser reason', () => {
    const err = thrown(() => compileJmespath('data.items[', '/targets/0/input/jmespath'));
    expect(err.code).toBe('EH_TRANSFORM_INVALID');
    expect(err.params.path).toBe('/targets/0/input/jmespath');
    expect(String(err.params.reason)).toMatch(/syntax/i);
    expect(err.issues?.[0]?.path).toBe('/targets/0/input/jmespath');
  });

  it('rejects unknown functions at compile time, naming them', () => {
    const err = thrown(() => compileJmespath('lenght(data) || uper(type)'));
    expect(err.code).toBe('EH_TRANSFORM_INVALID');
    expect(err.params.reason).toBe('unknown function lenght(), uper()');
  });

  it('does not mistake a literal that looks like a function node for a call', () => {
    expect(compileJmespath('`{"type": "Function", "name": "nope"}`')({})).toEqual({
      type: 'Function',
      name: 'nope',
    });
  });

  it('rejects empty expressions', () => {
    expect(thrown(() => compileJmespath('  ')).code).toBe('EH_TRANSFORM_INVALID');
  });

  it('reports a runtime type error as EH_TRANSFORM_FAILED, not a crash', () => {
    const fn = compileJmespath('abs(data.name)');
    const err = thrown(() => fn({ data: { name: 'x' } }));
    expect(err.code).toBe('EH_TRANSFORM_FAILED');
    expect(String(err.params.reason)).toMatch(/abs\(\)/);
    expect(fn({ data: { name: -2 } })).toBe(2);
  });

  it('stops an evaluation that runs past its step budget, as EH_TRANSFORM_FAILED, instead of holding the process', () => {
    // Projections nested in each other multiply: over 200 items this is 8 million items visited (over 1,000, a
    // billion: minutes of the one thread that also acknowledges webhooks).
    const items = Array.from({ length: 200 }, (_, i) => ({ i }));
    const nested = compileJmespath('length(data.items[*].[$.data.items[*].[$.data.items[*].i]])');
    const started = performance.now();
    const err = thrown(() => nested({ data: { items } }));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(err.code).toBe('EH_TRANSFORM_FAILED');
    expect(err.params.reason).toBe(
      `the expression took more than ${JMESPATH_MAX_STEPS} steps on this event: projections nested in each other multiply`,
    );
    // The budget is per evaluation: a large but linear transform, and the next event, are not affected.
    const big = Array.from({ length: 20_000 }, (_, i) => ({ sku: `s${i}`, qty: i, price: i / 2 }));
    const linear = compileJmespath('data.items[?qty > `10`].{sku: sku, qty: qty, price: price}');
    expect((linear({ data: { items: big } }) as unknown[]).length).toBe(19_989);
    expect(nested({ data: { items: items.slice(0, 10) } })).toBe(10);
  });

  it("reads an object's own fields only: a name JavaScript objects inherit matches nothing", () => {
    // JSON.parse, as ingest does: `__proto__` and `constructor` are then plain fields a webhook may carry.
    const event = JSON.parse(
      '{"data": {"order": {"id": 7}, "car": {"constructor": "Ferrari"}, "__proto__": {"x": 1}}}',
    ) as unknown;
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
      // As the JMESPath specification says of a field an object lacks: null, never a function or a prototype.
      expect(compileJmespath(`data.order.${name}`)(event), name).toBeNull();
      expect(compileJmespath(`data.order."${name}"`)(event), `"${name}"`).toBeNull();
      expect(compileJmespath(`let $o = data.order in $o.${name}`)(event), `let … ${name}`).toBeNull();
    }
    expect(compileJmespath('{c: data.order.constructor, id: data.order.id}')(event)).toEqual({
      c: null,
      id: 7,
    });
    expect(compileJmespath('data.order.constructor.name')(event)).toBeNull();
    expect(compileJmespath('data.car.constructor')(event)).toBe('Ferrari');
    expect(compileJmespath('data.__proto__.x')(event)).toBe(1);
    expect(compileJmespath('data.*.constructor')(event)).toEqual(['Ferrari']);
  });

  it('group_by groups on keys named like inherited members as on any other, as own fields of a plain object', () => {
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
    const items = [...names, 'plain', 'constructor', '__proto__'].map((key, i) => ({ key, i }));
    const grouped = compileJmespath('group_by(items, &key)')({ items }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(grouped)).toBe(Object.prototype);
    expect(Object.keys(grouped)).toEqual([...names, 'plain']);
    for (const name of [...names, 'plain']) {
      const expected = items.filter((item) => item.key === name);
      expect(Object.getOwnPropertyDescriptor(grouped, name), name).toEqual({
        value: expected,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    expect(JSON.parse(JSON.stringify(grouped))).toEqual(
      JSON.parse(
        '{"constructor": [{"key": "constructor", "i": 0}, {"key": "constructor", "i": 7}],' +
          ' "__proto__": [{"key": "__proto__", "i": 1}, {"key": "__proto__", "i": 8}],' +
          ' "toString": [{"key": "toString", "i": 2}], "hasOwnProperty": [{"key": "hasOwnProperty", "i": 3}],' +
          ' "valueOf": [{"key": "valueOf", "i": 4}], "isPrototypeOf": [{"key": "isPrototypeOf", "i": 5}],' +
          ' "plain": [{"key": "plain", "i": 6}]}',
      ),
    );
    // Nothing leaked into the prototype every object shares.
    expect(({} as Record<string, unknown>).i).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'key')).toBe(false);
    // The groups read back as the fields they are.
    expect(compileJmespath('group_by(items, &key).__proto__[].i')({ items })).toEqual([1, 8]);
    expect(compileJmespath('group_by(items, &key).constructor[].i')({ items })).toEqual([0, 7]);
    expect(compileJmespath('keys(group_by(items, &key))')({ items })).toEqual([...names, 'plain']);
    expect(compileJmespath('let $all = items in group_by($all, &key).toString[].i')({ items })).toEqual([2]);
    // A key of another type fails as before.
    expect(thrown(() => compileJmespath('group_by(items, &i)')({ items })).code).toBe('EH_TRANSFORM_FAILED');
  });

  it('keeps a `__proto__` key as data in multi-select hashes and merge(), instead of setting the prototype', () => {
    const event = JSON.parse('{"a": {"__proto__": {"x": 1}, "k": 2}, "b": {"constructor": 3}}');
    const hash = compileJmespath('{"__proto__": a.k, constructor: b.constructor}')(event) as object;
    expect(JSON.stringify(hash)).toBe('{"__proto__":2,"constructor":3}');
    expect(Object.getPrototypeOf(hash)).toBe(Object.prototype);
    const merged = compileJmespath('merge(a, b, `{"__proto__": {"y": 2}}`)')(event) as object;
    expect(JSON.stringify(merged)).toBe('{"__proto__":{"y":2},"k":2,"constructor":3}');
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(compileJmespath('merge(a, b).__proto__.y')(event)).toBeNull();
    expect(compileJmespath('merge(a, b).__proto__.x')(event)).toBe(1);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('results that share structure', () => {
  it('refuses a value that would be too large as JSON text, however cheaply built', () => {
    const started = performance.now();
    expect(() => compileJmespath('@' + ' | [@,@]'.repeat(60))('y')).toThrow(
      /more than 16777216 characters of JSON/,
    );
    expect(() => compileJmespath('@' + " | join('', [@,@])".repeat(30))('y')).toThrow(
      /more than 16777216 characters of JSON/,
    );
    expect(() => compileJmespath('@' + ' | [*].[@,@]'.repeat(30))(['y'])).toThrow(
      /more than 16777216 characters of JSON/,
    );
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('still returns large parts of its input', () => {
    const big = { items: Array.from({ length: 100_000 }, (_, i) => ({ i, name: `item-${i}` })) };
    expect((compileJmespath('items[*].name')(big) as string[]).length).toBe(100_000);
    expect(compileJmespath('{all: @, again: @}')(big)).toEqual({ all: big, again: big });
  });
});
