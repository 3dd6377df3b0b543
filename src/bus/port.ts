// The Bus port: the single publisher that routing, live streaming and lifecycle events all use (SPEC §9).
// The store is the truth and the bus a doorbell (STYLE §15): messages name what changed; readers re-read the store.

/**
 * Subjects are dot-separated tokens, NATS style, so the JetStream adapter maps them one to one:
 * `events.{org}.{eventId}` when an event is committed, `actions.{org}.{actionId}` when an action changes.
 */
export interface BusMessage<T = unknown> {
  readonly subject: string;
  readonly data: T;
}

export type BusHandler<T = unknown> = (message: BusMessage<T>) => void | Promise<void>;

export interface Subscription {
  unsubscribe(): void;
}

export interface Bus {
  /** Delivers to every current subscriber whose pattern matches; resolves once the bus accepted the message. */
  publish<T>(subject: string, data: T): Promise<void>;
  /** `*` matches one token, `>` the rest (NATS semantics). Handler errors are logged, never thrown to publishers. */
  subscribe<T>(pattern: string, handler: BusHandler<T>): Subscription;
  close(): Promise<void>;
}

export const SUBJECTS = {
  eventCommitted: (org: string, id: string) => `events.${org}.${id}`,
  actionChanged: (org: string, id: string) => `actions.${org}.${id}`,
  endpointChanged: (org: string, slug: string) => `endpoints.${org}.${slug}`,
  sourceChanged: (org: string, slug: string) => `sources.${org}.${slug}`,
  keysRevoked: (org: string) => `keys.${org}.revoked`,
  /** Committed work of a kind no other message announces (replayed events, retried actions): workers look now. */
  workDue: (loop: WorkLoopName) => `work.${loop}`,
  allEvents: 'events.>',
  allActions: 'actions.>',
  allEndpoints: 'endpoints.>',
  allSources: 'sources.>',
  allWork: 'work.>',
} as const;

/** API keys revoked (SUBJECTS.keysRevoked): live streams opened with them end. `ids` null: every key of the org. */
export interface KeysRevokedAnnouncement {
  org: string;
  ids: string[] | null;
}

/** A source's change committed (SUBJECTS.sourceChanged): processes serving ingest drop their copy of it. */
export interface SourceAnnouncement {
  org: string;
  slug: string;
}

/** The worker loops a `work.*` doorbell wakes: routing, or the actions' attempts. */
export type WorkLoopName = 'router' | 'actions';

/** An endpoint's change committed (SUBJECTS.endpointChanged): workers drop their copy, and look for `woken` work. */
export interface EndpointAnnouncement {
  org: string;
  slug: string;
  /** Deliveries the change made due (waiting for the endpoint while it was paused or disabled). */
  woken: number;
  /**
   * Set when a worker's circuit breaker changed (opened, closed, disabled): that worker's id. The other workers take
   * the stored breaker state into their own, so all pause and resume together.
   */
  breakerFrom?: string;
}

/** NATS subject matching: `*` one token, `>` one or more trailing tokens. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
