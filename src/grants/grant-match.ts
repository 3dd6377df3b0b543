// Which event types a grant lets through. Kept to two forms a reader checks at a glance: an exact type
// (`order.created`) or a prefix pattern (`billing.*`: every type that begins with `billing.`). The road not taken:
// EventBridge patterns — more power than an allow-list needs, and much harder to audit when reading a grant.

/** A grant is a short allow-list, not a catalogue. */
export const MAX_GRANT_EVENT_TYPES = 100;
const MAX_PATTERN_LENGTH = 255;

/** Why `pattern` cannot be an entry of a grant's eventTypes, or undefined when it can. */
export function eventTypePatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH)
    return `must be 1 to ${MAX_PATTERN_LENGTH} characters`;
  const star = pattern.indexOf('*');
  if (star === -1) return undefined;
  if (star === pattern.length - 1 && pattern.length > 2 && pattern.endsWith('.*')) return undefined;
  return `${pattern} is neither an event type nor a prefix pattern such as billing.* (a * may only end a pattern, after a dot)`;
}

/** True when `pattern` (a valid eventTypes entry) admits `type`. */
export function typeMatches(pattern: string, type: string): boolean {
  return pattern.endsWith('.*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern;
}

/** True when one of the grants (all given by the receiving org to the publishing org) admits `type`. */
export function grantsAllow(
  grants: readonly { eventTypes: readonly string[] | null }[],
  type: string,
): boolean {
  return grants.some((g) => g.eventTypes === null || g.eventTypes.some((p) => typeMatches(p, type)));
}
