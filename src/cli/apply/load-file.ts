// Reads an apply file (YAML or JSON) and keeps its source positions, so every later error can name the line
// as well as the path (e.g. `eventhook.yaml:14 rules[0].targets[1]: …`).
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isNode, isScalar } from 'yaml';
import { CliError } from '../cli-error.js';

export type Path = readonly (string | number)[];

/** A parsed file. `at(path)` is the file:line prefix for an error about the value at `path`. */
export interface LoadedFile {
  readonly name: string;
  readonly data: unknown;
  at(path: Path): string;
}

export function loadFile(path: string): LoadedFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return parseText(text, path);
}

export function parseText(text: string, name: string): LoadedFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new CliError(
      `${name} is not valid YAML`,
      doc.errors.map((e) => e.message.split('\n')[0]!),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // An alias with no anchor before it, or aliases that expand too far: the parser finds these only here.
    throw new CliError(`${name} is not valid YAML`, [(err as Error).message]);
  }
  return {
    name,
    data,
    at(path: Path): string {
      const line = (offset: number) => `${name}:${lines.linePos(offset).line}`;
      // The deepest node that exists (an error about a missing field points at its parent); a mapping's value is
      // located by its key, which is where the reader looks.
      for (let n = path.length; n > 0; n--) {
        const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
        if (isMap(parent)) {
          const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[n - 1]);
          if (isNode(pair?.key) && pair.key.range) return line(pair.key.range[0]);
        }
        const node = doc.getIn(path.slice(0, n), true);
        if (isNode(node) && node.range) return line(node.range[0]);
      }
      return isNode(doc.contents) && doc.contents.range ? line(doc.contents.range[0]) : name;
    },
  };
}

/** `['rules', 0, 'targets', 1]` → `rules[0].targets[1]`. */
export function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
