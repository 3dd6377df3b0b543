// Configuration (sources, rules, endpoints, grants) is versioned by its updatedAt, which moves on every change. A
// caller that read a version and asks to change or delete that version (If-Match over HTTP) must not overwrite a
// change it never saw: two people editing the same rule in the console would otherwise each undo the other's.
import { EventhookError } from './errors.js';

/** The resource a version check names in its error: `Rule`, `Source`, `Endpoint`, `Grant`. */
export type VersionedResource = 'Source' | 'Rule' | 'Endpoint' | 'Grant';

/** Throws EH_VERSION_MISMATCH unless `expected` is absent (no condition) or is the stored version. */
export function assertVersion(
  resource: VersionedResource,
  name: string,
  current: number,
  expected: number | undefined,
): void {
  if (expected !== undefined && expected !== current)
    throw new EventhookError('EH_VERSION_MISMATCH', { resource, name, expected, current });
}
