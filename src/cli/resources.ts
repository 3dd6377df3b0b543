// The resources the CLI lists and shows: their API paths, how they are named, and their table columns.
import type { Column } from './output.js';

export type ResourceKind = 'sources' | 'rules' | 'endpoints' | 'events' | 'actions' | 'grants';

/** How the CLI shows one kind of resource. `key` is the field users name it by. */
export interface ResourceSpec {
  readonly kind: ResourceKind;
  readonly singular: string;
  readonly path: string;
  readonly key: 'slug' | 'name' | 'id';
  /** What `list` shows, after "List ": the kind in the plural. */
  readonly summary: string;
  /** What `get` shows, after "Show ": one of the kind, and what comes with it. */
  readonly one: string;
  readonly columns: readonly Column<Row>[];
}

type Row = Record<string, unknown>;

const targetTypes = (r: Row) =>
  Array.isArray(r.targets) ? r.targets.map((t) => (t as Row).type).join(',') : undefined;
const verifierType = (r: Row) => (r.verifier as Row | null | undefined)?.type;
const attempts = (r: Row) => `${r.attemptCount}/${r.maxAttempts}`;
const eventTypes = (r: Row) => (Array.isArray(r.eventTypes) ? r.eventTypes.join(',') : '(all)');

export const RESOURCES: Record<ResourceKind, ResourceSpec> = {
  sources: {
    kind: 'sources',
    singular: 'source',
    path: '/sources',
    key: 'slug',
    summary: 'sources: where webhooks are received (by slug)',
    one: 'a source: where webhooks are received, by its slug',
    columns: [
      { header: 'slug', value: (r) => r.slug },
      { header: 'provider', value: (r) => r.provider },
      { header: 'verifier', value: verifierType },
      { header: 'enabled', value: (r) => r.enabled },
      { header: 'ingest url', value: (r) => r.ingestUrl },
    ],
  },
  rules: {
    kind: 'rules',
    singular: 'rule',
    path: '/rules',
    key: 'name',
    summary: 'routing rules (by name or id)',
    one: 'a routing rule, by its name or id',
    columns: [
      { header: 'name', value: (r) => r.name },
      { header: 'enabled', value: (r) => r.enabled },
      { header: 'targets', value: targetTypes },
      { header: 'pattern', value: (r) => r.pattern, max: 70 },
      { header: 'id', value: (r) => r.id },
    ],
  },
  endpoints: {
    kind: 'endpoints',
    singular: 'endpoint',
    path: '/endpoints',
    key: 'slug',
    summary: 'endpoints: outbound webhook destinations (by slug)',
    one: 'an endpoint: an outbound webhook destination, by its slug',
    columns: [
      { header: 'slug', value: (r) => r.slug },
      { header: 'status', value: (r) => r.status },
      { header: 'url', value: (r) => r.url },
      { header: 'description', value: (r) => r.description, max: 40 },
    ],
  },
  events: {
    kind: 'events',
    singular: 'event',
    path: '/events',
    key: 'id',
    summary: 'received and published events, newest first',
    one: 'an event (received or published) with its actions, by its id',
    columns: [
      { header: 'id', value: (r) => r.id },
      { header: 'time', value: (r) => r.time },
      { header: 'source', value: (r) => r.source },
      { header: 'type', value: (r) => r.type },
      { header: 'status', value: (r) => r.status },
    ],
  },
  actions: {
    kind: 'actions',
    singular: 'action',
    path: '/actions',
    key: 'id',
    summary: 'actions (deliveries of events to targets), newest first',
    one: 'an action (the delivery of an event to a target) with its attempts, by its id',
    columns: [
      { header: 'id', value: (r) => r.id },
      { header: 'status', value: (r) => r.status },
      { header: 'target', value: (r) => r.targetType },
      { header: 'rule', value: (r) => r.ruleName },
      { header: 'attempts', value: attempts },
      { header: 'event', value: (r) => r.eventId },
      { header: 'last error', value: (r) => r.lastError, max: 60 },
    ],
  },
  grants: {
    kind: 'grants',
    singular: 'grant',
    path: '/grants',
    key: 'id',
    summary: 'grants: the orgs that may publish into this one through event_bus targets',
    one: 'a grant (an org that may publish into this one), by its id',
    columns: [
      { header: 'id', value: (r) => r.id },
      { header: 'from org', value: (r) => r.fromOrg },
      { header: 'event types', value: eventTypes, max: 60 },
      { header: 'description', value: (r) => r.description, max: 40 },
      { header: 'created', value: (r) => r.createdAt },
    ],
  },
};
