// The likely fix of a misspelt field name, for errors that say "did you mean …?" wherever a field is refused.

/** A known name within two edits of `name` (a typo such as `dtaa` for `data`), if there is one. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d <= 2 && d < candidate.length && (!best || d < best.distance))
      best = { name: candidate, distance: d };
  }
  return best?.name;
}

/**
 * How a field the schema does not know is refused, wherever it is (the HTTP validator, checks below it, `apply`):
 * `is not a known field (did you mean data?)`.
 */
export function unknownFieldMessage(name: string, known: readonly string[]): string {
  const near = nearestName(name, known);
  return `is not a known field${near ? ` (did you mean ${near}?)` : ''}`;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
