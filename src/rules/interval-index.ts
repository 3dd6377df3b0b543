// A static interval-stabbing index: which of many numeric intervals contain a value. Used by the numeric family
// (ranges on comparable numbers) and by IPv4 `cidr` blocks. The endpoints cut the line into elementary segments,
// each holding the intervals that cover it, so a query is one binary search; when intervals overlap so much that
// the segment lists would outgrow a few entries per interval, a max-augmented search tree is used instead.
import type { Sink } from './sink.js';

export interface Interval<T> {
  readonly lo: number;
  readonly loOpen: boolean;
  readonly hi: number;
  readonly hiOpen: boolean;
  readonly target: T;
}

// Below this size a linear scan beats either structure.
const LINEAR_MAX = 8;
// Segment lists may hold at most this many entries per interval (plus a floor) before falling back to the tree.
const SEGMENT_BUDGET = 8;

export class IntervalIndex<T> {
  private readonly pending: Interval<T>[] = [];
  private built = true;
  private sorted: Interval<T>[] = [];
  // Segment form: points[j] ascending; slot 0 is below points[0], slot 2j+1 is exactly points[j], slot 2j+2 lies
  // between points[j] and points[j+1] (or above the last point).
  private points: Float64Array | undefined;
  private slots: T[][] = [];
  // Tree form: maxHi[mid] is the largest `hi` in the span whose middle index is mid.
  private maxHi: Float64Array = new Float64Array(0);

  add(interval: Interval<T>): void {
    this.pending.push(interval);
    this.built = false;
  }

  collect(value: number, out: Sink<T>): void {
    if (!this.built) this.build();
    const items = this.sorted;
    if (items.length <= LINEAR_MAX) {
      for (const it of items) if (contains(it, value)) out.push(it.target);
      return;
    }
    const points = this.points;
    if (points === undefined) {
      this.search(0, items.length - 1, value, out);
      return;
    }
    const slot = this.slots[slotOf(points, value)];
    if (slot !== undefined) for (let i = 0; i < slot.length; i++) out.push(slot[i] as T);
  }

  private build(): void {
    this.sorted = this.pending.slice().sort((a, b) => a.lo - b.lo);
    this.built = true;
    this.points = undefined;
    if (this.sorted.length <= LINEAR_MAX) return;
    const points = Float64Array.from(new Set(this.sorted.flatMap((it) => [it.lo, it.hi]))).sort();
    const spans = this.sorted.map((it) => {
      const a = indexOf(points, it.lo);
      const b = indexOf(points, it.hi);
      return [it.loOpen ? 2 * a + 2 : 2 * a + 1, it.hiOpen ? 2 * b : 2 * b + 1] as const;
    });
    const entries = spans.reduce((sum, [from, to]) => sum + Math.max(0, to - from + 1), 0);
    if (entries <= SEGMENT_BUDGET * this.sorted.length + 1024) {
      const slots: T[][] = Array.from({ length: 2 * points.length + 1 }, () => []);
      this.sorted.forEach((it, i) => {
        const [from, to] = spans[i] as readonly [number, number];
        for (let s = from; s <= to; s++) (slots[s] as T[]).push(it.target);
      });
      this.points = points;
      this.slots = slots;
      return;
    }
    this.maxHi = new Float64Array(this.sorted.length);
    this.fill(0, this.sorted.length - 1);
  }

  private search(from: number, to: number, value: number, out: Sink<T>): void {
    while (from <= to) {
      const mid = (from + to) >>> 1;
      if ((this.maxHi[mid] ?? -Infinity) < value) return;
      // Left half may hold matches; the right half only if this node's low end is not above value.
      this.search(from, mid - 1, value, out);
      const it = this.sorted[mid];
      if (it === undefined || it.lo > value) return;
      if (contains(it, value)) out.push(it.target);
      from = mid + 1;
    }
  }

  private fill(from: number, to: number): number {
    if (from > to) return -Infinity;
    const mid = (from + to) >>> 1;
    const m = Math.max(this.sorted[mid]?.hi ?? -Infinity, this.fill(from, mid - 1), this.fill(mid + 1, to));
    this.maxHi[mid] = m;
    return m;
  }
}

function contains<T>(it: Interval<T>, v: number): boolean {
  return (it.loOpen ? v > it.lo : v >= it.lo) && (it.hiOpen ? v < it.hi : v <= it.hi);
}

/** The slot `v` falls in (see IntervalIndex.points). */
function slotOf(points: Float64Array, v: number): number {
  let lo = 0;
  let hi = points.length - 1;
  // Find the last point <= v.
  let last = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((points[mid] as number) <= v) {
      last = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (last < 0) return 0;
  return points[last] === v ? 2 * last + 1 : 2 * last + 2;
}

function indexOf(points: Float64Array, v: number): number {
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((points[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
