// Where a field the server names lies in the apply file. The server (and the validators apply borrows from it) names
// fields as the API takes them, `/targets/0/kind` or `body/targets/0/kind`; the file may write the same field
// elsewhere: a target's fields under `config:`, an endpoint's one secret as `secret:`, a grant's org and types as
// `from:` and `types:`. The result is a path into the file, for `file:line path` messages.
import type { Path } from './load-file.js';

type Obj = Record<string, unknown>;

/** `body/targets/0/kind`, `/targets/0/kind` or `targets[0].kind` → `['targets', 0, 'kind']`. */
export function apiPathSegments(apiPath: string): (string | number)[] {
  const segments = apiPath.split(/[/.[\]]+/).filter((s) => s !== '');
  if (segments[0] === 'body') segments.shift();
  return segments.map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * The file path of field `apiPath` of the entry `raw` at `itemPath` (e.g. `['rules', 1]`), following the file's own
 * spelling where it differs from the API's.
 */
export function fileFieldPath(raw: Obj, itemPath: Path, apiPath: string): Path {
  const segments = apiPathSegments(apiPath);
  const [first, index, field] = segments;
  if (first === 'targets' && typeof index === 'number' && typeof field === 'string') {
    const target = Array.isArray(raw.targets) ? (raw.targets[index] as Obj | undefined) : undefined;
    const config = target?.config;
    if (typeof config === 'object' && config !== null && field in config && !(field in target!))
      return [...itemPath, 'targets', index, 'config', ...segments.slice(2)];
  }
  // The API's name for a field the file may give under another (endpoints: secret; grants: from, types).
  const alias: Record<string, string> = { secrets: 'secret', fromOrg: 'from', eventTypes: 'types' };
  if (typeof first === 'string' && alias[first] !== undefined && !(first in raw) && alias[first] in raw) {
    const rest = first === 'secrets' ? [] : segments.slice(1);
    return [...itemPath, alias[first], ...rest];
  }
  return [...itemPath, ...segments];
}
