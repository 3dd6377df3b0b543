// The shape of a conformance table row: one pattern, events it must match and events it must not.

export interface MatchCase {
  readonly name: string;
  readonly pattern: unknown;
  readonly matches: readonly unknown[];
  readonly misses: readonly unknown[];
}

/** An invalid pattern, the path its error must name and a fragment of the reason. */
export interface InvalidCase {
  readonly name: string;
  readonly pattern: unknown;
  readonly path: string;
  readonly reason: string;
}
