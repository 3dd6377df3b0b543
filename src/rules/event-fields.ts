// Event flattening for the compiled matcher: a trie of the field paths patterns mention guides a walk of the event,
// which records only leaves on those paths and never descends into objects no pattern reaches into. Dotted event
// keys ({"a.b": 1}) land on the same path as nested ones ({"a": {"b": 1}}), as in event-ruler.
import type { ArrayStep } from './array-membership.js';
import type { LeafValue } from './value-predicate.js';

interface TrieNode {
  readonly children: Map<string, TrieNode>;
  /** The path's number if some pattern names this exact path, else -1. */
  pathId: number;
}

/** The mentioned paths. Grows only while a matcher is being built. */
export class PathTrie {
  readonly root: TrieNode = { children: new Map(), pathId: -1 };
  readonly paths: string[] = [];
  private readonly ids = new Map<string, number>();

  /** The number of a dotted path, adding it if new. */
  add(path: string): number {
    const known = this.ids.get(path);
    if (known !== undefined) return known;
    let node = this.root;
    for (const segment of path.split('.')) {
      let child = node.children.get(segment);
      if (child === undefined) {
        child = { children: new Map(), pathId: -1 };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.pathId = this.paths.length;
    this.paths.push(path);
    this.ids.set(path, node.pathId);
    return node.pathId;
  }
}

/**
 * The leaves of one event on mentioned paths, in reusable buffers (one match at a time; matching is synchronous).
 * A path's slot is valid only when slotGen[pathId] === gen.
 */
export class EventFields {
  gen = 0;
  readonly slotGen: Uint32Array;
  /** Leaves of a path: values[pathId][0 … counts[pathId]) and their array chains. */
  readonly counts: Uint32Array;
  readonly values: LeafValue[][] = [];
  readonly chains: (ArrayStep | null)[][] = [];
  /** Path numbers with at least one leaf in this event: present[0 … presentCount). */
  readonly present: number[] = [];
  presentCount = 0;
  /** True when some recorded leaf sits inside an array of objects (array consistency then applies). */
  hasArrays = false;
  private arrays = 0;

  constructor(pathCount: number) {
    this.slotGen = new Uint32Array(pathCount);
    this.counts = new Uint32Array(pathCount);
    for (let i = 0; i < pathCount; i++) {
      this.values.push([]);
      this.chains.push([]);
    }
  }

  /** Flattens `event` along `trie`. */
  load(trie: PathTrie, event: unknown): void {
    this.gen = (this.gen + 1) >>> 0;
    if (this.gen === 0) {
      // Wrapped around: clear old stamps so none can equal a new generation.
      this.gen = 1;
      this.slotGen.fill(0);
    }
    this.presentCount = 0;
    this.hasArrays = false;
    this.arrays = 0;
    this.walk(trie.root, event, null);
  }

  private walk(node: TrieNode, value: unknown, chain: ArrayStep | null): void {
    const type = typeof value;
    if (value === null || type === 'string' || type === 'number' || type === 'boolean') {
      if (node.pathId >= 0) this.record(node.pathId, value as LeafValue, chain);
      return;
    }
    // undefined, functions and other non-JSON values are not fields.
    if (type !== 'object') return;
    if (Array.isArray(value)) {
      this.walkArray(node, value as unknown[], chain);
      return;
    }
    const children = node.children;
    if (children.size === 0) return;
    const obj = value as Record<string, unknown>;
    for (const key in obj) {
      let child = children.get(key);
      if (child === undefined) {
        if (!key.includes('.')) continue;
        child = dotted(node, key);
        if (child === undefined) continue;
      }
      this.walk(child, obj[key], chain);
    }
  }

  private walkArray(node: TrieNode, items: readonly unknown[], chain: ArrayStep | null): void {
    // Elements of an array of scalars can never be combined with another field's leaf from the same array, so such
    // arrays need no consistency step; keeping them out keeps common events (tags: [...]) on the fast path.
    let structured = false;
    for (let i = 0; i < items.length && !structured; i++)
      structured = typeof items[i] === 'object' && items[i] !== null;
    const array = structured ? this.arrays++ : -1;
    for (let index = 0; index < items.length; index++) {
      this.walk(node, items[index], structured ? { array, index, parent: chain } : chain);
    }
  }

  private record(pathId: number, value: LeafValue, chain: ArrayStep | null): void {
    if (this.slotGen[pathId] !== this.gen) {
      this.slotGen[pathId] = this.gen;
      this.counts[pathId] = 0;
      this.present[this.presentCount++] = pathId;
    }
    const n = this.counts[pathId] as number;
    this.counts[pathId] = n + 1;
    (this.values[pathId] as LeafValue[])[n] = value;
    (this.chains[pathId] as (ArrayStep | null)[])[n] = chain;
    if (chain !== null) this.hasArrays = true;
  }
}

/** The trie node an event key containing dots leads to from `node`, if any. */
function dotted(node: TrieNode, key: string): TrieNode | undefined {
  let at: TrieNode | undefined = node;
  for (const segment of key.split('.')) {
    at = at.children.get(segment);
    if (at === undefined) return undefined;
  }
  return at;
}
