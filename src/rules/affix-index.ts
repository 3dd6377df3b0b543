// The `prefix` / `suffix` operator family (and their equals-ignore-case forms): patterns on one field bucketed by a
// hash of their text. A lookup hashes the value's first (or last) characters once, probing the table at each length
// some pattern has, so its cost follows the longest pattern, not the number of patterns, and allocates nothing.
import type { Sink } from './sink.js';

/** Case folding for every equals-ignore-case form: Unicode lower-case mapping of the whole string. */
export function foldCase(text: string): string {
  return text.toLowerCase();
}

/** One pattern text and its targets; `next` chains texts whose hashes collide. Flat, to keep lookups short. */
interface Bucket<T> {
  readonly text: string;
  readonly first: T;
  rest: T[] | undefined;
  next: Bucket<T> | undefined;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

// With more patterns than this, a bit filter over the hashes (8 KiB, stays in cache) screens probes of the table.
const FILTER_FROM = 64;
const FILTER_BITS = 1 << 16;

export class AffixIndex<T> {
  private readonly byHash = new Map<number, Bucket<T>>();
  private filter: Uint32Array | undefined;
  private count = 0;
  // Distinct pattern lengths, ascending.
  private lengths: number[] = [];

  constructor(private readonly side: 'prefix' | 'suffix') {}

  add(text: string, target: T): void {
    const h = this.hash(text, text.length);
    const head = this.byHash.get(h);
    let bucket = head;
    while (bucket !== undefined && bucket.text !== text) bucket = bucket.next;
    if (bucket === undefined) this.byHash.set(h, { text, first: target, rest: undefined, next: head });
    else (bucket.rest ??= []).push(target);
    if (++this.count === FILTER_FROM) {
      this.filter = new Uint32Array(FILTER_BITS / 32);
      for (const key of this.byHash.keys()) this.mark(key);
    } else if (this.filter !== undefined) {
      this.mark(h);
    }
    if (!this.lengths.includes(text.length)) {
      this.lengths.push(text.length);
      this.lengths.sort((a, b) => a - b);
    }
  }

  /** Pushes the targets of every pattern `text` starts (or ends) with. Pass already-folded text for ignore-case. */
  collect(text: string, out: Sink<T>): void {
    const lengths = this.lengths;
    const len = text.length;
    const prefix = this.side === 'prefix';
    let h = FNV_OFFSET;
    let next = 0;
    for (let i = 0; next < lengths.length; i++) {
      const want = lengths[next] as number;
      if (want > len) return;
      if (i === want) {
        this.probe(h, text, out);
        next++;
        i--;
        continue;
      }
      h = Math.imul(h ^ text.charCodeAt(prefix ? i : len - 1 - i), FNV_PRIME);
    }
  }

  private mark(h: number): void {
    const filter = this.filter as Uint32Array;
    const bit = h & (FILTER_BITS - 1);
    filter[bit >>> 5] = (filter[bit >>> 5] as number) | (1 << (bit & 31));
  }

  private probe(h: number, text: string, out: Sink<T>): void {
    const filter = this.filter;
    if (filter !== undefined) {
      const bit = h & (FILTER_BITS - 1);
      if (((filter[bit >>> 5] as number) & (1 << (bit & 31))) === 0) return;
    }
    for (let b = this.byHash.get(h); b !== undefined; b = b.next) {
      if (this.side === 'prefix' ? text.startsWith(b.text) : text.endsWith(b.text)) {
        out.push(b.first);
        if (b.rest !== undefined) for (const t of b.rest) out.push(t);
      }
    }
  }

  /** The hash of the first (prefix) or last (suffix, read backwards) `n` characters. */
  private hash(text: string, n: number): number {
    let h = FNV_OFFSET;
    for (let i = 0; i < n; i++) {
      h = Math.imul(h ^ text.charCodeAt(this.side === 'prefix' ? i : text.length - 1 - i), FNV_PRIME);
    }
    return h;
  }
}
