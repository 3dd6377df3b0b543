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
  const { pieces } = w;
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return text === first;
  const last = pieces[pieces.length - 1] ?? '';
  if (text.length < first.length + last.length) return false;
  if (!text.startsWith(first) || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i] ?? '';
    const found = text.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

interface Entry<T> {
  readonly wildcard: Wildcard;
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

  add(wildcard: Wildcard, target: T): void {
    const { pieces } = wildcard;
    const head = pieces[0] ?? '';
    const tail = pieces[pieces.length - 1] ?? '';
    if (pieces.length === 1) {
      const list = this.exact.get(head);
      if (list === undefined) this.exact.set(head, [target]);
      else list.push(target);
    } else if (head !== '') {
      (this.byHead ??= new AffixIndex('prefix')).add(head, { wildcard, target });
    } else if (tail !== '') {
      (this.byTail ??= new AffixIndex('suffix')).add(tail, { wildcard, target });
    } else {
      this.loose.push({ wildcard, target });
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
      if (wildcardMatches(e.wildcard, text)) out.push(e.target);
    }
    candidates.size = from;
    verify(this.loose, text, out);
  }
}

function verify<T>(entries: readonly Entry<T>[], text: string, out: Sink<T>): void {
  for (const e of entries) if (wildcardMatches(e.wildcard, text)) out.push(e.target);
}
