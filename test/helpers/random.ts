// A small seeded generator for tests that draw random sequences: the same seed draws the same sequence, so a
// failure names a sequence that can be run again.

/** Numbers in [0, 1) from a linear congruential generator seeded with `seed`. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface MangleOptions {
  /** How likely a value is replaced whole rather than changed inside. */
  replace: number;
  /** Values nested deeper than this are only replaced. */
  maxDepth: number;
  /** A random value to put in, nested about `depth` deep. */
  value: (depth: number) => unknown;
  /** The name of a key to add. */
  newKey: () => string;
}

/**
 * Changes a JSON-like value at one random place, for fuzz tests that start from valid input: the value replaced
 * whole, or inside it one key dropped, one added, or one element or property changed the same way in turn.
 */
export function mangler(next: () => number, o: MangleOptions): (value: unknown) => unknown {
  const int = (n: number) => Math.floor(next() * n);
  const mangle = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== 'object' || depth > o.maxDepth || next() < o.replace)
      return o.value(int(3));
    if (Array.isArray(v)) {
      const copy = [...v];
      if (copy.length > 0) {
        const i = int(copy.length);
        copy[i] = mangle(copy[i], depth + 1);
      }
      return copy;
    }
    const copy = { ...(v as Record<string, unknown>) };
    const keys = Object.keys(copy);
    const roll = next();
    if (roll < 0.2 && keys.length > 0) delete copy[keys[int(keys.length)]!];
    else if (roll < 0.3) copy[o.newKey()] = o.value(1);
    else if (keys.length > 0) {
      const k = keys[int(keys.length)]!;
      copy[k] = mangle(copy[k], depth + 1);
    }
    return copy;
  };
  return (v) => mangle(v, 0);
}
