// Output formats: `--output json` prints what the server answered, verbatim and machine-readable; `--output table`
// (the default, whether or not stdout is a terminal) prints aligned columns for lists and key/value lines for one
// object. Values that are objects are shown as compact JSON.

export type OutputFormat = 'json' | 'table';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['json', 'table'];

/** One column of a table: its header and how a row shows in it. */
export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => unknown;
  /** Cut longer cells to this many characters (with …). */
  readonly max?: number;
}

export function write(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Warnings of a command that goes on, each a line on stderr. */
export function warn(warnings: readonly string[]): void {
  for (const warning of warnings) process.stderr.write(`eventhook: warning: ${warning}\n`);
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** A scalar as a cell: strings as is, null/undefined as "-", anything else as compact JSON. */
export function cell(value: unknown, max?: number): string {
  const text =
    value === null || value === undefined || value === ''
      ? '-'
      : typeof value === 'string'
        ? value
        : JSON.stringify(value);
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return max !== undefined && flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Rows under upper-case headers, columns padded to their widest cell, two spaces apart. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r), c.max)));
  const headers = columns.map((c) => c.header.toUpperCase());
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** One object as `key: value` lines, keys aligned. */
export function record(obj: Record<string, unknown>): string {
  const keys = Object.keys(obj);
  const width = Math.max(0, ...keys.map((k) => k.length));
  return keys.map((k) => `${`${k}:`.padEnd(width + 1)} ${cell(obj[k])}`).join('\n');
}
