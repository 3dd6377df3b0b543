// What list, retry and replay filters name — an event by id, a rule by id or name, an endpoint by slug, a source by
// slug or id — made
// into what the store filters on, and refused when it does not exist: an unknown name would match nothing, and an
// empty list or `count: 0` reads as "nothing failed" rather than "no such rule".
import { SOURCE_PREFIX, SYSTEM_SOURCES } from '../core/envelope.js';
import { EventhookError, type ErrorCode, type FieldIssue } from '../core/errors.js';
import { isId, type EventId, type RuleId, type SourceId } from '../core/ids.js';
import type { ActionFilter, EventFilter, Store } from '../store/port.js';

/** Where the filter field is in the request, for the located message: `{in: 'query', path: '/rule'}`. */
export type FieldAt = Omit<FieldIssue, 'message'>;

/** The envelope sources Eventhook itself emits (`system:<name>`); any other name is an application's. */
const SYSTEM: ReadonlySet<string> = new Set(Object.values(SYSTEM_SOURCES));

export class FilterRefs {
  constructor(private readonly store: Store) {}

  /** An event's id, when the org has that event (its actions go when it does: retention prunes them together). */
  async eventId(org: string, ref: string, at: FieldAt): Promise<EventId> {
    if (isId('event', ref) && (await this.store.events.get(org, ref))) return ref;
    const message = isId('event', ref) ? 'no event has this id' : 'not an event id (evt_…)';
    throw notFound('EH_EVENT_NOT_FOUND', { event: ref }, at, message);
  }

  /**
   * A rule's id, from its id or the name of a live rule. A deleted rule is found by id only (its actions stay
   * history): names are unique among live rules alone, so a name may since belong to another rule.
   */
  async ruleId(org: string, ref: string, at: FieldAt): Promise<RuleId> {
    if (isId('rule', ref)) {
      if (await this.store.rules.get(org, ref, { includeDeleted: true })) return ref;
      throw notFound('EH_RULE_NOT_FOUND', { rule: ref }, at, 'no rule has this id');
    }
    const rules = await this.store.rules.list(org, { includeDeleted: true });
    const live = rules.find((r) => r.name === ref && r.deletedAt === null);
    if (live) return live.id as RuleId;
    const deleted = rules.filter((r) => r.name === ref).map((r) => r.id);
    const message =
      deleted.length > 0
        ? `rule ${ref} was deleted; give its id to see its actions (${deleted.join(', ')})`
        : 'no rule has this id or name';
    throw notFound('EH_RULE_NOT_FOUND', { rule: ref }, at, message);
  }

  /**
   * An endpoint's actions, from its slug or its id. A slug names the live endpoint, whose actions are those created
   * since it was (a deleted endpoint that had the slug before keeps its own); without a live one, the actions of
   * the deleted endpoints that had it. An id names that endpoint, deleted or not: its actions from its creation to
   * its deletion. Actions name their endpoint by slug, and belong to the endpoint that had it when they were made.
   */
  async endpoint(
    org: string,
    ref: string,
    at: FieldAt,
  ): Promise<Pick<ActionFilter, 'endpoint' | 'createdFrom' | 'createdBefore'>> {
    const live = isId('endpoint', ref) ? undefined : await this.store.endpoints.get(org, ref);
    if (live) return { endpoint: ref, createdFrom: live.createdAt };
    const all = await this.store.endpoints.list(org, { includeDeleted: true });
    const byId = all.find((e) => e.id === ref);
    if (byId)
      return {
        endpoint: byId.slug,
        createdFrom: byId.createdAt,
        ...(byId.deletedAt === null ? {} : { createdBefore: byId.deletedAt + 1 }),
      };
    if (all.some((e) => e.slug === ref)) return { endpoint: ref };
    const message = isId('endpoint', ref) ? 'no endpoint has this id' : 'no endpoint has this slug';
    throw notFound('EH_ENDPOINT_NOT_FOUND', { endpoint: ref }, at, message);
  }

  /**
   * An event filter's `source`: a source id; an envelope source with its kind (`app:checkout`), taken as it is unless
   * it names a webhook source that never existed; or a bare slug, the source's id (a deleted source's events by
   * their envelope source). A bare name that is no source's slug is refused with what it likely meant (`app:…`).
   */
  async source(
    org: string,
    ref: string,
    at: FieldAt,
  ): Promise<Pick<EventFilter, 'sourceId' | 'envelopeSource'>> {
    if (ref.includes(':')) {
      const slug = ref.startsWith(SOURCE_PREFIX.webhook)
        ? ref.slice(SOURCE_PREFIX.webhook.length)
        : undefined;
      if (slug === undefined || (await this.everHad(org, slug))) return { envelopeSource: ref };
      throw notFound('EH_SOURCE_NOT_FOUND', { source: slug }, at, `no source has slug ${slug}`);
    }
    if (isId('source', ref)) {
      if ((await this.store.sources.getById(ref))?.org === org) return { sourceId: ref as SourceId };
      throw notFound('EH_SOURCE_NOT_FOUND', { source: ref }, at, 'no source has this id');
    }
    const live = await this.store.sources.get(org, ref);
    if (live) return { sourceId: live.id };
    if (await this.everHad(org, ref)) return { envelopeSource: `${SOURCE_PREFIX.webhook}${ref}` };
    const system = `${SOURCE_PREFIX.system}${ref}`;
    const guess = SYSTEM.has(system) ? system : `${SOURCE_PREFIX.app}${ref}`;
    throw notFound(
      'EH_SOURCE_NOT_FOUND',
      { source: ref },
      at,
      `no source has slug ${ref}; did you mean ${guess}?`,
    );
  }

  private async everHad(org: string, slug: string): Promise<boolean> {
    return (await this.store.sources.list(org, { includeDeleted: true })).some((s) => s.slug === slug);
  }
}

function notFound(
  code: ErrorCode,
  params: Record<string, string>,
  at: FieldAt,
  message: string,
): EventhookError {
  return new EventhookError(code, params, { issues: [{ ...at, message }] });
}
