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

/**
 * After a write conditional on a version found nothing to write, says why: `read` throws the resource's 404 when it
 * is gone, else EH_VERSION_MISMATCH when it is at another version now. Nothing when there was no condition.
 */
export async function recheckVersion(
  resource: VersionedResource,
  name: string,
  expected: number | undefined,
  read: () => Promise<{ updatedAt: number }>,
): Promise<void> {
  if (expected === undefined) return;
  assertVersion(resource, name, (await read()).updatedAt, expected);
}
