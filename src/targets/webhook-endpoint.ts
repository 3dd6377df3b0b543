// Which endpoint a target delivers to, read from a target as stored or as sent (plain JSON, not yet validated), by
// whatever needs to know what a rule names: deleting an endpoint, saving a rule, and `apply` planning both.
// A file of its own, importing nothing, so the CLI can use it without loading the target schemas.

/** The endpoint slug of a webhook target; undefined for any other target, or one without a slug. */
export function webhookEndpointOf(target: unknown): string | undefined {
  const t = target as { type?: unknown; endpoint?: unknown } | null;
  return t?.type === 'webhook' && typeof t.endpoint === 'string' ? t.endpoint : undefined;
}
