// The parsed form of a pattern (the IR every other layer reads): a pattern is an OR of branches, a branch an AND
// of conditions on flattened field paths, a condition an OR of value patterns. Produced only by pattern-parser.ts.

/** An IPv4 address as an unsigned 32-bit number, or an IPv6 address as 32 upper-case hex digits. */
export type IpAddress = { readonly v: 4; readonly n: number } | { readonly v: 6; readonly hex: string };

/** An inclusive IP range (CIDR block); both ends are the same family. */
export type IpRange =
  | { readonly v: 4; readonly lo: number; readonly hi: number }
  | { readonly v: 6; readonly lo: string; readonly hi: string };

/**
 * A numeric interval over "comparable numbers": values scaled by 1e6 to integers (six decimal places), so every
 * comparison is exact. Invariant: lo < hi, or lo === hi with both ends closed (the `=` operator).
 */
export interface NumericRange {
  readonly lo: number;
  readonly loOpen: boolean;
  readonly hi: number;
  readonly hiOpen: boolean;
}

/** A parsed `wildcard` value: the literal pieces between unescaped `*`. `["a", "b"]` means `a*b`. */
export interface Wildcard {
  readonly source: string;
  readonly pieces: readonly string[];
}

/** What an `anything-but` excludes. Strings are compared as given, `equals-ignore-case` values are case-folded. */
export type Exclusion =
  | { readonly form: 'values'; readonly strings: readonly string[]; readonly numbers: readonly number[] }
  | { readonly form: 'prefix' | 'suffix'; readonly values: readonly string[] }
  | { readonly form: 'equals-ignore-case'; readonly values: readonly string[] }
  | { readonly form: 'wildcard'; readonly wildcards: readonly Wildcard[] };

/** One value a field may match. `absent` (exists:false) never reaches a Branch's conditions: it becomes `absent`. */
export type ValuePattern =
  | { readonly kind: 'exact'; readonly value: string | number | boolean | null }
  | { readonly kind: 'ip'; readonly address: IpAddress }
  | { readonly kind: 'prefix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'suffix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'equals-ignore-case'; readonly value: string }
  | { readonly kind: 'wildcard'; readonly wildcard: Wildcard }
  | { readonly kind: 'numeric'; readonly range: NumericRange }
  | { readonly kind: 'cidr'; readonly range: IpRange }
  | { readonly kind: 'exists' }
  | { readonly kind: 'anything-but'; readonly exclude: Exclusion }
  | { readonly kind: 'absent' };

/** A field condition: the leaf at `path` (dotted) must match one of `patterns`. Never empty, never `absent`. */
export interface Condition {
  readonly path: string;
  readonly patterns: readonly ValuePattern[];
}

/**
 * One conjunction: every condition holds, on leaves that are array-consistent with each other, and no leaf of an
 * `absent` path is consistent with the leaves chosen. Paths are distinct across conditions and `absent`.
 */
export interface Branch {
  readonly conditions: readonly Condition[];
  readonly absent: readonly string[];
}

/** A validated pattern: matches an event when any branch does. Invariant: at least one branch. */
export interface CompiledPattern {
  readonly branches: readonly Branch[];
}

/** The limit on branches a pattern expands to through `$or` (and `exists:false` alternatives), as AWS applies. */
export const MAX_COMBINATIONS = 1000;
