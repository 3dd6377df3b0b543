// The `anything-but` operator family. An anything-but matches every leaf value (string, number, true, false, null)
// except those its exclusion names; exclusions only ever name strings or numbers, so other values always pass, and
// a missing field never matches (there is no value). Like event-ruler, the index assumes every anything-but on a
// field matches and subtracts the ones a value is excluded from.
import { AffixIndex, foldCase } from './affix-index.js';
import { toComparable } from './comparable-number.js';
import type { Exclusion } from './pattern-types.js';
import { WildcardIndex, wildcardMatches } from './wildcard.js';
import type { Sink } from './sink.js';
import { Bag } from './sink.js';

/** True when `value` is one the exclusion names (the anything-but then does not match it). */
export function isExcluded(ex: Exclusion, value: unknown): boolean {
  if (ex.form === 'values') {
    if (typeof value === 'string') return ex.strings.includes(value);
    if (typeof value === 'number') {
      const c = toComparable(value);
      return c !== undefined && ex.numbers.includes(c);
    }
    return false;
  }
  if (typeof value !== 'string') return false;
  switch (ex.form) {
    case 'prefix':
      return ex.values.some((p) => value.startsWith(p));
    case 'suffix':
      return ex.values.some((s) => value.endsWith(s));
    case 'equals-ignore-case':
      return ex.values.includes(foldCase(value));
    case 'wildcard':
      return ex.wildcards.some((w) => wildcardMatches(w, value));
  }
}

// Scratch shared by every index (collect never re-enters): failed[i] === stamp marks pattern i excluded.
const scratch = { hits: new Bag<number>(), failed: new Uint32Array(64), stamp: 0 };

/** Every anything-but pattern on one field, with indexes from excluded value to the patterns it defeats. */
export class AnythingButIndex<T> {
  private readonly targets: T[] = [];
  private strings: Map<string, number[]> | undefined;
  private numbers: Map<number, number[]> | undefined;
  private folded: Map<string, number[]> | undefined;
  private prefixes: AffixIndex<number> | undefined;
  private suffixes: AffixIndex<number> | undefined;
  private wildcards: WildcardIndex<number> | undefined;

  get size(): number {
    return this.targets.length;
  }

  add(ex: Exclusion, target: T): void {
    const id = this.targets.length;
    this.targets.push(target);
    switch (ex.form) {
      case 'values':
        for (const s of ex.strings) push((this.strings ??= new Map()), s, id);
        for (const n of ex.numbers) push((this.numbers ??= new Map()), n, id);
        break;
      case 'equals-ignore-case':
        for (const s of ex.values) push((this.folded ??= new Map()), s, id);
        break;
      case 'prefix':
        this.prefixes ??= new AffixIndex('prefix');
        for (const s of ex.values) this.prefixes.add(s, id);
        break;
      case 'suffix':
        this.suffixes ??= new AffixIndex('suffix');
        for (const s of ex.values) this.suffixes.add(s, id);
        break;
      case 'wildcard':
        this.wildcards ??= new WildcardIndex();
        for (const w of ex.wildcards) this.wildcards.add(w, id);
        break;
    }
  }

  /** Pushes the targets of every anything-but that `value` is not excluded from. `folded` is foldCase(value). */
  collect(value: unknown, folded: string | undefined, out: Sink<T>): void {
    const hits = scratch.hits;
    hits.size = 0;
    if (typeof value === 'string') {
      pushAll(this.strings?.get(value), hits);
      if (folded !== undefined) pushAll(this.folded?.get(folded), hits);
      this.prefixes?.collect(value, hits);
      this.suffixes?.collect(value, hits);
      this.wildcards?.collect(value, hits);
    } else if (typeof value === 'number' && this.numbers !== undefined) {
      const c = toComparable(value);
      if (c !== undefined) pushAll(this.numbers.get(c), hits);
    }
    if (hits.size === 0) {
      for (const t of this.targets) out.push(t);
      return;
    }
    if (scratch.failed.length < this.targets.length)
      scratch.failed = new Uint32Array(this.targets.length * 2);
    const failed = scratch.failed;
    scratch.stamp = (scratch.stamp + 1) >>> 0;
    if (scratch.stamp === 0) {
      scratch.stamp = 1;
      failed.fill(0);
    }
    const stamp = scratch.stamp;
    for (let i = 0; i < hits.size; i++) failed[hits.items[i] as number] = stamp;
    for (let id = 0; id < this.targets.length; id++) {
      if (failed[id] !== stamp) out.push(this.targets[id] as T);
    }
  }

  /** True when some exclusion needs the case-folded value. */
  get needsFolded(): boolean {
    return this.folded !== undefined;
  }
}

function push<K>(map: Map<K, number[]>, key: K, id: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [id]);
  else list.push(id);
}

function pushAll(ids: readonly number[] | undefined, out: Sink<number>): void {
  if (ids !== undefined) for (const id of ids) out.push(id);
}
