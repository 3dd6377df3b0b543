// The `wildcard` operator family: parsing (`*` matches any run of characters, `\*` and `\\` are literals,
// consecutive `**` is an error), matching one string, and an index that finds candidate wildcards by their literal
// head or tail so that many wildcard patterns on one field do not all have to be tried.
import { AffixIndex } from './affix-index.js';
import type { Wildcard } from './pattern-types.js';
import type { Sink } from './sink.js';
import { Bag } from './sink.js';

/** Parses a wildcard value, or returns the reason it is invalid (worded as event-ruler words it). */
export function parseWildcard(source: string): Wildcard | string {
  const pieces: string[] = [];
  let current = '';
  for (let i = 0; i < source.length; i++) {
    const ch = source.charAt(i);
    if (ch === '*') {
      if (source.charAt(i + 1) === '*') return `Consecutive wildcard characters at pos ${i}`;
      pieces.push(current);
      current = '';
    } else if (ch === '\\') {
      const next = source.charAt(i + 1);
      if (next !== '*' && next !== '\\') return `Invalid escape character at pos ${i}`;
      current += next;
      i++;
    } else {
      current += ch;
    }
  }
  pieces.push(current);
  return { source, pieces };
}

/** True when `text` matches the wildcard. Greedy leftmost search is exact for patterns whose only operator is `*`. */
export function wildcardMatches(w: Wildcard, text: string): boolean {
  return piecesMatch(w.pieces, text, -1);
}

/**
 * `headLength` ≥ 0 says the caller already knows `text` starts with the head piece, of that length; `last` is the
 * last piece (passed in so index entries can share one string object for equal tails).
 */
function piecesMatch(
  pieces: readonly string[],
  text: string,
  headLength: number,
  last = pieces[pieces.length - 1] ?? '',
): boolean {
  if (pieces.length === 1) return text === pieces[0];
  let at = headLength;
  if (at < 0) {
    const first = pieces[0] ?? '';
    if (!text.startsWith(first)) return false;
    at = first.length;
  }
  if (text.length < at + last.length || !text.endsWith(last)) return false;
  const end = text.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i] ?? '';
    const found = text.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

// Holds the pieces directly (not the Wildcard) to spare a memory access per candidate; `head` is the length of
// the literal head when the entry is found through it (so it need not be compared again), else -1; `last` is the
// last piece, shared with every entry of the index that has an equal one.
interface Entry<T> {
  readonly pieces: readonly string[];
  readonly head: number;
  readonly last: string;
  /** True for `head*tail` (two pieces): then the head and tail decide, without reading `pieces`. */
  readonly simple: boolean;
  readonly target: T;
}

/**
 * Wildcards on one field, bucketed by their literal head (text before the first `*`) or, failing that, their
 * literal tail, in hashed affix indexes. A lookup finds the candidates whose head or tail the value has, then
 * verifies them; only wildcards with neither head nor tail (such as `*foo*`) are tried one by one.
 */
export class WildcardIndex<T> {
  private readonly exact = new Map<string, T[]>();
  private byHead: AffixIndex<Entry<T>> | undefined;
  private byTail: AffixIndex<Entry<T>> | undefined;
  private readonly loose: Entry<T>[] = [];
  private readonly candidates = new Bag<Entry<T>>();
  private readonly tails = new Map<string, string>();

  add(wildcard: Wildcard, target: T): void {
    const { pieces } = wildcard;
    const head = pieces[0] ?? '';
    let tail = pieces[pieces.length - 1] ?? '';
    const shared = this.tails.get(tail);
    if (shared === undefined) this.tails.set(tail, tail);
    else tail = shared;
    if (pieces.length === 1) {
      const list = this.exact.get(head);
      if (list === undefined) this.exact.set(head, [target]);
      else list.push(target);
    } else if (head !== '') {
      const simple = pieces.length === 2;
      (this.byHead ??= new AffixIndex('prefix')).add(head, {
        pieces,
        head: head.length,
        last: tail,
        simple,
        target,
      });
    } else if (tail !== '') {
      (this.byTail ??= new AffixIndex('suffix')).add(tail, {
        pieces,
        head: -1,
        last: tail,
        simple: false,
        target,
      });
    } else {
      this.loose.push({ pieces, head: -1, last: tail, simple: false, target });
    }
  }

  collect(text: string, out: Sink<T>): void {
    const exact = this.exact.get(text);
    if (exact !== undefined) for (const t of exact) out.push(t);
    const candidates = this.candidates;
    const from = candidates.size;
    this.byHead?.collect(text, candidates);
    this.byTail?.collect(text, candidates);
    for (let i = from; i < candidates.size; i++) {
      const e = candidates.items[i] as Entry<T>;
      const ok = e.simple
        ? text.length >= e.head + e.last.length && text.endsWith(e.last)
        : piecesMatch(e.pieces, text, e.head, e.last);
      if (ok) out.push(e.target);
    }
    candidates.size = from;
    verify(this.loose, text, out);
  }
}

function verify<T>(entries: readonly Entry<T>[], text: string, out: Sink<T>): void {
  for (const e of entries) if (piecesMatch(e.pieces, text, e.head, e.last)) out.push(e.target);
}
