// Read side of the event log: events with their actions, raw bodies, actions with their attempts.
import { EventhookError } from '../core/errors.js';
import type { ActionId, EventId } from '../core/ids.js';
import type { ActionFilter, EventFilter, Page, Store } from '../store/port.js';
import type { ActionRecord, AttemptRecord, EventRecord } from '../store/records.js';
import { FilterRefs } from './filter-refs.js';

export class EventQueries {
  /** Turns the rules, endpoints and sources filters name into what the store filters on. */
  readonly refs: FilterRefs;

  constructor(private readonly store: Store) {
    this.refs = new FilterRefs(store);
  }

  async event(org: string, id: string): Promise<{ event: EventRecord; actions: ActionRecord[] }> {
    const event = await this.store.events.get(org, id as EventId);
    if (!event) throw new EventhookError('EH_EVENT_NOT_FOUND', { event: id });
    return { event, actions: await this.store.actions.listByEvent(org, event.id) };
  }

  async raw(org: string, id: string): Promise<{ contentType: string | null; body: Buffer }> {
    const raw = await this.store.events.getRaw(org, id as EventId);
    if (!raw) throw new EventhookError('EH_EVENT_NOT_FOUND', { event: id });
    // Published and Eventhook's own events never had request bytes: an empty body would pass for an empty webhook.
    if (raw.body === null) throw new EventhookError('EH_EVENT_NO_RAW_BODY', { event: id });
    return { contentType: raw.contentType, body: raw.body };
  }

  events(
    org: string,
    filter: EventFilter,
    page: { limit: number; before?: string },
  ): Promise<Page<EventRecord>> {
    return this.store.events.list(org, filter, page);
  }

  async action(org: string, id: string): Promise<{ action: ActionRecord; attempts: AttemptRecord[] }> {
    const action = await this.store.actions.get(org, id as ActionId);
    if (!action) throw new EventhookError('EH_ACTION_NOT_FOUND', { action: id });
    return { action, attempts: await this.store.attempts.listByAction(org, action.id) };
  }

  actions(
    org: string,
    filter: ActionFilter,
    page: { limit: number; before?: string },
  ): Promise<Page<ActionRecord>> {
    return this.store.actions.list(org, filter, page);
  }
}
