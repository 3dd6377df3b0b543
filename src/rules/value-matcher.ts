// The value level of the compiled matcher: for one field at one state, every value pattern any rule puts there,
// indexed by operator family, so that a leaf value finds the patterns it satisfies with a few hash probes instead of
// testing each pattern. Must agree with value-predicate.ts.
import { AffixIndex, foldCase } from './affix-index.js';
import { AnythingButIndex } from './anything-but.js';
import { toComparable } from './comparable-number.js';
import { IntervalIndex } from './interval-index.js';
import { parseIp } from './ip-address.js';
import type { IpRange, ValuePattern } from './pattern-types.js';
import type { LeafValue } from './value-predicate.js';
import { valueMatches } from './value-predicate.js';
import { WildcardIndex } from './wildcard.js';
import type { Sink } from './sink.js';

// Up to this many patterns on a field are tested one by one rather than indexed.
const SMALL_MAX = 4;

interface Entry<T> {
  readonly pattern: ValuePattern;
  readonly target: T;
}

/** Built once (add… then collect only); `T` is what a satisfied pattern leads to (the next field-level state). */
export class ValueMatcher<T> {
  // Exact values usually lead to one target; it is stored bare (not in an array) to save a memory access.
  private strings: Map<string, T | T[]> | undefined;
  private numbers: Map<number, T | T[]> | undefined;
  private trues: T[] | undefined;
  private falses: T[] | undefined;
  private nulls: T[] | undefined;
  private folded: Map<string, T[]> | undefined;
  private prefixes: AffixIndex<T> | undefined;
  private suffixes: AffixIndex<T> | undefined;
  private foldedPrefixes: AffixIndex<T> | undefined;
  private foldedSuffixes: AffixIndex<T> | undefined;
  private wildcards: WildcardIndex<T> | undefined;
  private numericEquals: Map<number, T[]> | undefined;
  private ranges: IntervalIndex<T> | undefined;
  private ipv4: Map<number, T[]> | undefined;
  private ipv6: Map<string, T[]> | undefined;
  private cidr4: IntervalIndex<T> | undefined;
  private cidr6: { range: IpRange & { v: 6 }; target: T }[] | undefined;
  private exists: T[] | undefined;
  private anythingBut: AnythingButIndex<T> | undefined;
  private needsFold = false;
  private needsIp = false;
  private needsComparable = false;
  private pending: Entry<T>[] = [];
  private small: Entry<T>[] | undefined;
  // The single pattern when there is only one (the commonest case), read without the list.
  private sole: Entry<T> | undefined;
  private indexed = false;

  add(p: ValuePattern, target: T): void {
    if (p.kind === 'absent') throw new Error('absence is a field-level transition, not a value pattern');
    this.pending.push({ pattern: p, target });
  }

  /**
   * Ends building. A few patterns are kept as a list and tested one by one (fewer objects to touch per event,
   * which matters when thousands of states each hold one or two); more are spread over the family indexes.
   */
  finish(resolve?: (target: T) => T): void {
    if (this.pending.length === 0) return;
    const added =
      resolve === undefined ? this.pending : this.pending.map((e) => ({ ...e, target: resolve(e.target) }));
    const entries = [...(this.small ?? []), ...added];
    this.pending = [];
    if (!this.indexed && entries.length <= SMALL_MAX) {
      this.small = entries;
      this.sole = entries.length === 1 ? entries[0] : undefined;
      return;
    }
    this.small = undefined;
    this.sole = undefined;
    this.indexed = true;
    for (const e of entries) this.index(e.pattern, e.target);
  }

  private index(p: ValuePattern, target: T): void {
    switch (p.kind) {
      case 'exact':
        if (typeof p.value === 'string') pushOne((this.strings ??= new Map()), p.value, target);
        else if (typeof p.value === 'number') pushOne((this.numbers ??= new Map()), p.value, target);
        else if (p.value === true) (this.trues ??= []).push(target);
        else if (p.value === false) (this.falses ??= []).push(target);
        else (this.nulls ??= []).push(target);
        break;
      case 'ip':
        this.needsIp = true;
        if (p.address.v === 4) push((this.ipv4 ??= new Map()), p.address.n, target);
        else push((this.ipv6 ??= new Map()), p.address.hex, target);
        break;
      case 'prefix':
      case 'suffix':
        this.affixIndex(p.kind, p.ignoreCase).add(p.value, target);
        break;
      case 'equals-ignore-case':
        this.needsFold = true;
        push((this.folded ??= new Map()), p.value, target);
        break;
      case 'wildcard':
        (this.wildcards ??= new WildcardIndex()).add(p.wildcard, target);
        break;
      case 'numeric': {
        this.needsComparable = true;
        const r = p.range;
        if (r.lo === r.hi) push((this.numericEquals ??= new Map()), r.lo, target);
        else (this.ranges ??= new IntervalIndex()).add({ ...r, target });
        break;
      }
      case 'cidr':
        this.needsIp = true;
        if (p.range.v === 4) {
          const { lo, hi } = p.range;
          (this.cidr4 ??= new IntervalIndex()).add({ lo, loOpen: false, hi, hiOpen: false, target });
        } else {
          (this.cidr6 ??= []).push({ range: p.range, target });
        }
        break;
      case 'exists':
        (this.exists ??= []).push(target);
        break;
      case 'anything-but':
        (this.anythingBut ??= new AnythingButIndex()).add(p.exclude, target);
        if (this.anythingBut.needsFolded) this.needsFold = true;
        break;
    }
  }

  /** The pattern and target when this matcher holds exactly one pattern (after finish). */
  get onlyEntry(): { readonly pattern: ValuePattern; readonly target: T } | undefined {
    return this.sole;
  }

  /** Pushes the target of every pattern `value` satisfies (a target may appear more than once). */
  collect(value: LeafValue, out: Sink<T>): void {
    if (this.pending.length > 0) this.finish();
    const sole = this.sole;
    if (sole !== undefined) {
      if (valueMatches(sole.pattern, value)) out.push(sole.target);
      return;
    }
    const small = this.small;
    if (small !== undefined) {
      for (let i = 0; i < small.length; i++) {
        const e = small[i] as Entry<T>;
        if (valueMatches(e.pattern, value)) out.push(e.target);
      }
      return;
    }
    let folded: string | undefined;
    if (typeof value === 'string') {
      if (this.strings !== undefined) pushSome(this.strings.get(value), out);
      this.prefixes?.collect(value, out);
      this.suffixes?.collect(value, out);
      this.wildcards?.collect(value, out);
      if (this.needsFold) {
        folded = foldCase(value);
        pushAll(this.folded?.get(folded), out);
        this.foldedPrefixes?.collect(folded, out);
        this.foldedSuffixes?.collect(folded, out);
      }
      if (this.needsIp) this.collectIp(value, out);
    } else if (typeof value === 'number') {
      if (this.numbers !== undefined) pushSome(this.numbers.get(value), out);
      if (this.needsComparable) {
        const c = toComparable(value);
        if (c !== undefined) {
          pushAll(this.numericEquals?.get(c), out);
          this.ranges?.collect(c, out);
        }
      }
    } else if (value === true) {
      pushAll(this.trues, out);
    } else if (value === false) {
      pushAll(this.falses, out);
    } else {
      pushAll(this.nulls, out);
    }
    pushAll(this.exists, out);
    this.anythingBut?.collect(value, folded, out);
  }

  private collectIp(text: string, out: Sink<T>): void {
    const ip = parseIp(text);
    if (ip === undefined) return;
    if (ip.v === 4) {
      pushAll(this.ipv4?.get(ip.n), out);
      this.cidr4?.collect(ip.n, out);
      return;
    }
    pushAll(this.ipv6?.get(ip.hex), out);
    if (this.cidr6 !== undefined) {
      for (const { range, target } of this.cidr6)
        if (ip.hex >= range.lo && ip.hex <= range.hi) out.push(target);
    }
  }

  private affixIndex(side: 'prefix' | 'suffix', ignoreCase: boolean): AffixIndex<T> {
    if (ignoreCase) this.needsFold = true;
    if (side === 'prefix') {
      return ignoreCase
        ? (this.foldedPrefixes ??= new AffixIndex('prefix'))
        : (this.prefixes ??= new AffixIndex('prefix'));
    }
    return ignoreCase
      ? (this.foldedSuffixes ??= new AffixIndex('suffix'))
      : (this.suffixes ??= new AffixIndex('suffix'));
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function pushOne<K, V>(map: Map<K, V | V[]>, key: K, value: V): void {
  const known = map.get(key);
  if (known === undefined) map.set(key, value);
  else if (Array.isArray(known)) known.push(value);
  else map.set(key, [known, value]);
}

function pushSome<T>(found: T | T[] | undefined, out: Sink<T>): void {
  if (found === undefined) return;
  if (Array.isArray(found)) for (let i = 0; i < found.length; i++) out.push(found[i] as T);
  else out.push(found);
}

function pushAll<T>(items: readonly T[] | undefined, out: Sink<T>): void {
  if (items !== undefined) for (let i = 0; i < items.length; i++) out.push(items[i] as T);
}
