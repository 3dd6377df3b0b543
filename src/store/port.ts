// The Store port: all durable state. Adapters (SQLite, PostgreSQL) share one Kysely query layer; callers see
// only these interfaces.
import type { JsonValue } from '../core/envelope.js';
import type { ActionId, ApiKeyId, EndpointId, EventId, GrantId, RuleId, SourceId } from '../core/ids.js';
import type {
  ActionRecord,
  ActionStatus,
  ApiKeyRecord,
  ApiKeyRole,
  AttemptRecord,
  AuditEntryRecord,
  AuditResource,
  EndpointRecord,
  EndpointStatus,
  EventRecord,
  EventStatus,
  ExecutionCauseRecord,
  ExecutionStatus,
  GrantRecord,
  OutboxEntry,
  NewAction,
  NewEvent,
  OrgRecord,
  PromiseRecord,
  PromiseStatus,
  RuleRecord,
  SourceRecord,
  TaskRecord,
  WorkflowRecord,
} from './records.js';

export type StoreKind = 'sqlite' | 'postgres';

export interface Store extends StoreRepos {
  readonly kind: StoreKind;
  /** Runs `fn` in one transaction (the repositories given to `fn` are bound to it). */
  transaction<T>(fn: (tx: StoreRepos) => Promise<T>): Promise<T>;
  /**
   * A transaction whose commit need not survive a power loss — only for writes whose loss is harmless because
   * the state before them is safe too (claiming an action under a lease, parking it: a lost claim leaves the
   * action due again). It skips the flush to disk: SQLite synchronous=NORMAL, PostgreSQL synchronous_commit=off.
   * Never for anything a caller was told is stored.
   */
  relaxed<T>(fn: (tx: StoreRepos) => Promise<T>): Promise<T>;
  /** `events.ingest` in a transaction of its own, durable when it resolves (SQLite: on its writer thread). */
  commitIngest(items: readonly IngestItem[], now: number): Promise<IngestOutcome[]>;
  /** The database's schema against the migrations of this version. */
  readonly schema: SchemaMigrations;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Schema migrations, by name (`001-initial`, …), applied in name order. */
export interface SchemaMigrations {
  /** Reads, changes nothing (a database user without DDL rights may call it). */
  status(): Promise<SchemaStatus>;
  /** Applies the pending migrations, in order; returns their names (none: already up to date). */
  migrate(): Promise<string[]>;
}

export interface SchemaStatus {
  /** Migrations of this version the database has not had, in order. */
  readonly pending: readonly string[];
  /** Migrations the database has had that this version does not know: a newer version applied them. */
  readonly unknown: readonly string[];
}

export interface StoreRepos {
  readonly settings: SettingsRepo;
  readonly workers: WorkersRepo;
  readonly executionCauses: ExecutionCausesRepo;
  readonly outbox: OutboxRepo;
  readonly backlog: BacklogRepo;
  readonly orgs: OrgsRepo;
  readonly apiKeys: ApiKeysRepo;
  readonly sources: SourcesRepo;
  readonly rules: RulesRepo;
  readonly events: EventsRepo;
  readonly actions: ActionsRepo;
  readonly attempts: AttemptsRepo;
  readonly endpoints: EndpointsRepo;
  readonly grants: GrantsRepo;
  readonly auditLog: AuditLogRepo;
  readonly workflows: ExecutionsRepo<WorkflowRecord>;
  readonly tasks: ExecutionsRepo<TaskRecord>;
  readonly promises: PromisesRepo;
}

export interface SettingsRepo {
  get(key: string): Promise<string | undefined>;
  /** Writes `value` unless the key exists; returns whether it wrote (first writer wins across processes). */
  setIfAbsent(key: string, value: string): Promise<boolean>;
  set(key: string, value: string): Promise<void>;
}

/** The worker processes sharing this database, known by their heartbeats. */
export interface WorkersRepo {
  /** Records that worker `id` is alive at `now`. */
  beat(id: string, now: number): Promise<void>;
  /** The ids of the workers seen since `since`, in id order. Only reads: a metrics scrape calls it. */
  live(since: number): Promise<string[]>;
  /** Deletes the rows of workers not seen since `before` (gone without leaving); the heartbeat calls it. */
  forget(before: number): Promise<void>;
  /** A worker that stops says so, and its share goes to the others at their next look. */
  leave(id: string): Promise<void>;
}

/**
 * Which event caused each execution started on an external engine, for its lifecycle events' hop counts, correlation
 * and trace.
 */
export interface ExecutionCausesRepo {
  /**
   * Keeps the first cause of an execution; a later one (a replay naming the same execution) is ignored, unless
   * `made` says its start is the one that made the execution (a concurrent start with the same key may have been
   * answered, and remembered, first): that one replaces it. Returns whether this one was kept.
   */
  remember(cause: ExecutionCauseRecord, made?: boolean): Promise<boolean>;
  /** The org's cause of the execution: another org's of the same id is none of its business. */
  of(org: string, executionId: string): Promise<ExecutionCauseRecord | undefined>;
  /** Forgets causes recorded before `before` (retention); returns how many. */
  prune(before: number): Promise<number>;
}

/** Events waiting to be published to the JetStream event log (migration 014). */
export interface OutboxRepo {
  add(entries: readonly OutboxEntry[]): Promise<void>;
  /** The oldest `limit` entries, in the order they were added. */
  next(limit: number): Promise<OutboxEntry[]>;
  /** Forgets published entries; an entry already gone (another process published it too) is no error. */
  remove(entries: readonly OutboxEntry[]): Promise<void>;
  /** When the oldest waiting entry was added, if any. */
  oldest(): Promise<number | undefined>;
  /** Forgets entries added before `before` (retention: their events are gone too); returns how many. */
  prune(before: number): Promise<number>;
}

/** The work waiting across all orgs, for the backlog gauges. Counts stop at the `cap` they were read with. */
export interface Backlog {
  /** Pending or failed actions due by now, and in-flight ones whose lease ran out (their worker stopped). */
  due: number;
  /** Pending or failed actions whose next attempt is set for later (retries, rate limits, open circuits). */
  scheduled: number;
  /** Pending or failed actions waiting, with no time set, to be woken (a paused endpoint, a FIFO lane's head). */
  held: number;
  dead: number;
  /** Events committed but not routed yet. */
  unrouted: number;
  /** When the action due longest fell due; null when none is due. */
  oldestDueAt: number | null;
}

export interface BacklogRepo {
  /** Reads the backlog at `now`, each count through one index range and stopping at `cap`. */
  read(now: number, cap: number): Promise<Backlog>;
}

export interface OrgsRepo {
  /** Throws EH_ORG_EXISTS when the slug is taken, EH_ORG_BEING_DELETED while a deleted org's data is purged. */
  create(org: { slug: string; name: string }, now: number): Promise<OrgRecord>;
  /** A live org; a deleted one (its data being purged) only with `includeDeleted`. */
  get(slug: string, opts?: { includeDeleted?: boolean }): Promise<OrgRecord | undefined>;
  list(opts?: { includeDeleted?: boolean }): Promise<OrgRecord[]>;
  /** Every org row, deleted ones included (an empty store gets the default org). */
  count(): Promise<number>;
  bumpRulesVersion(slug: string): Promise<void>;
  /** Renames a live org; undefined when there is none with this slug. */
  rename(slug: string, name: string): Promise<OrgRecord | undefined>;
  /**
   * Marks a live org deleted and stops it at once: its keys revoked, its sources and rules disabled, its endpoints
   * disabled (their deliveries wait, to be purged), the grants from and to it deleted, its rules version bumped.
   * Undefined when no live org has the slug. Run it in a transaction.
   */
  retire(slug: string, now: number): Promise<RetiredOrg | undefined>;
  /**
   * Deletes a deleted org's data, everything but its row, a batch of `batchSize` rows at a time (so no statement
   * holds SQLite's write lock for long); returns how many rows went.
   */
  purge(slug: string, batchSize?: number): Promise<number>;
  /** Deletes the row of a deleted org that has no data left; false when it is live, gone or still has data. */
  remove(slug: string): Promise<boolean>;
}

/** What retiring an org changed, for the processes that keep copies (src/access/org-deletion.ts announces it). */
export interface RetiredOrg {
  org: OrgRecord;
  sources: string[];
  endpoints: string[];
}

export interface ApiKeysRepo {
  insert(key: ApiKeyRecord & { hash: string }): Promise<void>;
  /** The key with this hash unless revoked. */
  findActiveByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  touch(id: ApiKeyId, now: number): Promise<void>;
  list(org: string): Promise<ApiKeyRecord[]>;
  /** The org's key with this id, revoked or not. */
  get(org: string, id: string): Promise<ApiKeyRecord | undefined>;
  revoke(org: string, id: ApiKeyId, now: number): Promise<boolean>;
}

/** Which entries of an org's audit log to read. */
export interface AuditLogFilter {
  resource?: AuditResource;
  /** The source's or endpoint's slug, the rule's or key's name, the granted org, the org's own slug: every resource that bore it. */
  name?: string;
  /** One resource, by id: its history across renames. */
  resourceId?: string;
  /** Changes made by one key, by id: what a key did, say once it leaked. */
  actorId?: string;
}

/** The audit log: one entry per configuration change, appended in the change's own transaction. */
export interface AuditLogRepo {
  insert(entry: AuditEntryRecord): Promise<void>;
  /** Newest first, a page at a time, as events are listed. */
  list(
    org: string,
    filter: AuditLogFilter,
    page: { limit: number; before?: string },
  ): Promise<Page<AuditEntryRecord>>;
  /**
   * Deletes the entries of every org made before `cutoff` (by id, which carries the time `at` it was made with),
   * `batchSize` at a time as EventsRepo.prune does; returns how many.
   */
  prune(cutoff: number, batchSize?: number): Promise<number>;
}

/** Grants of cross-org event_bus publishing, always read and written under the receiving org (`org`). */
export interface GrantsRepo {
  insert(grant: GrantRecord): Promise<void>;
  get(org: string, id: GrantId): Promise<GrantRecord | undefined>;
  /** The org's grants, oldest first. */
  list(org: string): Promise<GrantRecord[]>;
  /** The grants org `org` gave `fromOrg`, oldest first. */
  between(org: string, fromOrg: string): Promise<GrantRecord[]>;
  /**
   * Saves `grant`'s event types, description and updatedAt, only while it is still at version `basis` (its
   * updatedAt when read): false when it changed or was deleted since.
   */
  update(grant: GrantRecord, basis: number): Promise<boolean>;
  /** False when the org has no such grant, or (with `basis`) when it is no longer at that version. */
  delete(org: string, id: GrantId, basis?: number): Promise<boolean>;
}

export interface SourcesRepo {
  /** Throws EH_SOURCE_EXISTS when the slug is taken in the org. */
  insert(source: SourceRecord): Promise<void>;
  get(org: string, slug: string): Promise<SourceRecord | undefined>;
  getById(id: SourceId): Promise<SourceRecord | undefined>;
  list(org: string, opts?: { includeDeleted?: boolean }): Promise<SourceRecord[]>;
  /** Saves a live source only if it is still at `basis` (the updatedAt it was read at); false otherwise. */
  update(source: SourceRecord, basis: number): Promise<boolean>;
  /** False when no such live source, or (with `basis`) when it is no longer at that version. */
  softDelete(org: string, slug: string, now: number, basis?: number): Promise<boolean>;
}

export interface RulesRepo {
  /** Throws EH_RULE_EXISTS when the name is taken in the org. Bumps the org's rules version. */
  insert(rule: RuleRecord): Promise<void>;
  get(org: string, id: RuleId, opts?: { includeDeleted?: boolean }): Promise<RuleRecord | undefined>;
  list(org: string, opts?: { includeDeleted?: boolean }): Promise<RuleRecord[]>;
  /** Bumps the org's rules version. */
  /** Saves a live rule only if it is still at `basis` (the updatedAt it was read at); false otherwise. */
  update(rule: RuleRecord, basis: number): Promise<boolean>;
  /** Bumps the org's rules version. False when no such live rule, or (with `basis`) not at that version. */
  softDelete(org: string, id: RuleId, now: number, basis?: number): Promise<boolean>;
}

/** One webhook or published event to commit; `dedup` names its idempotency key. */
export interface IngestItem {
  event: NewEvent;
  dedup?: IngestKey;
  /**
   * A value the sender never sends for two events (Mailgun's signature token), claimed before the idempotency key:
   * an item that repeats one for another event is a replay and is refused; for the same event, a duplicate.
   */
  replay?: IngestKey;
}

export interface IngestKey {
  sourceId: SourceId;
  key: string;
  windowMs: number;
}

export interface IngestOutcome {
  eventId: EventId;
  /** Not stored: another event holds its key (or its replay key: see `replayed`). */
  duplicate: boolean;
  /** Not stored: its replay key was used for another event. */
  replayed?: true;
}

export interface EventFilter {
  sourceId?: SourceId;
  /** The envelope's source (`app:checkout`, `system:workflows`, `webhook:github`). */
  envelopeSource?: string;
  type?: string;
  status?: EventStatus;
  since?: number;
  until?: number;
  /** Matched against type, subject and id. */
  text?: string;
  /** Contained in the event's data as stored (its JSON text). */
  dataText?: string;
}

export interface Page<T> {
  items: T[];
  /** The id to pass as `before` for the next (older) page; null on the last page. */
  next: string | null;
}

/** A source's recent traffic, for its detail view: is the provider sending, and is it getting through? */
export interface SourceActivity {
  /** The newest event stored from the source (rejected ones too, when the source keeps them). */
  last: { id: EventId; type: string; status: EventStatus } | null;
  /** Events stored from the source since the asked time, counted up to the asked cap. */
  recent: number;
}

/**
 * One worker's part of the pending events when several divide routing (src/routing/routing-share.ts). An event is in
 * share `rank` of `count` when its org is in `wholeOrgs.mine`, or, its org not being in `wholeOrgs.all`, when the
 * codes of its id's last two characters add up to `rank` mod `count` (idShare there).
 */
export interface PendingShare {
  count: number;
  rank: number;
  /** Orgs routed whole by one worker (they have FIFO endpoints): this worker's, and all of them. */
  wholeOrgs: { mine: readonly string[]; all: readonly string[] };
  /** Instead of the share: the events outside it with ids below these (older than their grace). */
  strays?: { before: string; wholeOrgsBefore: string };
}

export interface EventsRepo {
  /**
   * Commits a batch in one transaction. An item whose idempotency key is live (within its window) is not stored:
   * its outcome names the first event. Keys repeated inside the batch resolve to the first occurrence.
   */
  ingest(items: readonly IngestItem[], now: number): Promise<IngestOutcome[]>;
  insert(event: NewEvent): Promise<void>;
  get(org: string, id: EventId): Promise<EventRecord | undefined>;
  getRaw(org: string, id: EventId): Promise<{ contentType: string | null; body: Buffer | null } | undefined>;
  /** Events still waiting for routing, oldest first (any org); with `share`, only those of one worker's share. */
  listPending(limit: number, share?: PendingShare): Promise<EventRecord[]>;
  /**
   * Moves a pending event to its routing outcome; false when another worker already did (nothing changes).
   * Increments route_seq.
   */
  finishRouting(id: EventId, status: EventStatus, now: number, error: string | null): Promise<boolean>;
  /** finishRouting for many events in few statements; returns the ids this call moved (the others were done). */
  finishRoutingMany(
    outcomes: readonly { id: EventId; status: EventStatus; error: string | null }[],
    now: number,
  ): Promise<Set<EventId>>;
  /** Several events by id (any org), in one query: the action worker loads a claimed batch's events at once. */
  getMany(ids: readonly EventId[]): Promise<EventRecord[]>;
  /**
   * Puts routed, unrouted or failed events back to pending so the router routes them again through the current
   * rules (replay); `freshKeys` makes that pass use new idempotency keys. Returns how many changed.
   */
  requeue(org: string, ids: readonly EventId[], opts?: { freshKeys?: boolean }): Promise<number>;
  list(
    org: string,
    filter: EventFilter,
    page: { limit: number; before?: string },
  ): Promise<Page<EventRecord>>;
  count(org: string, filter: EventFilter): Promise<number>;
  /** The source's newest event and how many it sent since `since` (received time), counting up to `cap`. */
  sourceActivity(org: string, sourceId: SourceId, since: number, cap: number): Promise<SourceActivity>;
  /**
   * Deletes events (and their actions and attempts) received before `cutoff` (by id, which carries the receipt
   * time); returns how many. Works through them `batchSize` events at a time, each batch one short transaction and
   * then a pause as long, so other writers are never held up for long.
   */
  prune(cutoff: number, batchSize?: number): Promise<number>;
}

export interface ActionFilter {
  eventId?: EventId;
  ruleId?: RuleId;
  targetType?: string;
  status?: ActionStatus;
  /** Endpoint slug: the webhook actions of one endpoint (its dead-letter queue with status=dead). */
  endpoint?: string;
  /**
   * Actions created in [createdFrom, createdBefore) only. With `endpoint`, they tell the endpoints that had the slug
   * apart: actions name their endpoint by slug, and an action belongs to the endpoint that had the slug when it was
   * created (a later one never delivers it: the webhook target lets it die).
   */
  createdFrom?: number;
  createdBefore?: number;
}

export interface ActionsRepo {
  insertMany(actions: readonly NewAction[], now: number): Promise<void>;
  /**
   * Claims up to `limit` due actions (pending or failed with next_attempt_at <= now, or in flight with an expired
   * lease): marks them in flight until now + leaseMs, held by `holder` (the claiming worker's presence id), and counts
   * the attempt. Concurrent claimers never share one.
   */
  claimDue(now: number, limit: number, leaseMs: number, holder?: string): Promise<ActionRecord[]>;
  /**
   * Claiming in two steps, for a worker that spreads its slots over endpoints: the due actions it could claim
   * (oldest due first, at most `limit`, none of the endpoints in `skip`) …
   */
  dueCandidates(now: number, limit: number, opts?: ClaimOptions): Promise<ClaimCandidate[]>;
  /**
   * The due actions of the given lanes, at most `perLane` of each, oldest due first overall: an index range per lane,
   * so its cost does not depend on the backlogs of the lanes not asked for.
   */
  dueInLanes(now: number, lanes: readonly Lane[], perLane: number): Promise<ClaimCandidate[]>;
  /**
   * Extends the leases of attempts still under way (`attempt`: the claim's attempt number) to `until`; an action
   * another claim took over in the meantime is left alone. Returns how many were extended.
   */
  renewLeases(held: ReadonlyArray<{ id: ActionId; attempt: number }>, until: number): Promise<number>;
  /**
   * … then claims those of `ids` that are still due, as claimDue does (another claimer may have taken some). Those
   * of `leaseLost` (candidates found with their lease lost) get the attempt their gone worker left unrecorded as an
   * interrupted one.
   */
  claim(
    ids: readonly ActionId[],
    now: number,
    leaseMs: number,
    holder?: string,
    leaseLost?: readonly ActionId[],
  ): Promise<ActionRecord[]>;
  /** The workers holding leases that run beyond `now` (read only: every worker asks at each heartbeat). */
  leaseHolders(now: number): Promise<string[]>;
  /**
   * Ends the leases that `holders` (workers gone) still hold on in-flight actions, as if they had run out at `now`,
   * so the next claim takes those actions over. Returns how many.
   */
  releaseHeldBy(holders: readonly string[], now: number): Promise<number>;
  /**
   * Settles attempt number `attempt` as a success; false (nothing changes) when that attempt no longer owns the
   * action — its lease expired and a later claim took it over.
   */
  succeed(id: ActionId, attempt: number, result: JsonValue, now: number): Promise<boolean>;
  /** Records a failed attempt: `nextAttemptAt` schedules a retry, null makes the action dead. */
  fail(
    id: ActionId,
    attempt: number,
    error: string,
    nextAttemptAt: number | null,
    now: number,
  ): Promise<boolean>;
  /** Makes failed or dead actions due now again (manual retry); returns how many changed. */
  retry(org: string, ids: readonly ActionId[], now: number): Promise<number>;
  get(org: string, id: ActionId): Promise<ActionRecord | undefined>;
  listByEvent(org: string, eventId: EventId): Promise<ActionRecord[]>;
  list(
    org: string,
    filter: ActionFilter,
    page: { limit: number; before?: string },
  ): Promise<Page<ActionRecord>>;
  /**
   * When the earliest pending or failed action falls due, or an in-flight lease expires (to arm a timer), or null.
   * `after`: only times later than this — for a caller that has just taken what was due by then, and must not walk
   * the backlog of the endpoints it skips (all due already) to learn it.
   */
  nextDueAt(opts?: ClaimOptions & { after?: number }): Promise<number | null>;
  /**
   * Hands a claimed action back without counting its attempt: it waits (`reason`) until `until`, or, when `until`
   * is null, until `wakeWaiting` makes it due. Status returns to pending (no attempt yet) or failed. `attempt`: the
   * claim's count (its `attempts`); when given, nothing changes unless that claim still holds the action.
   */
  defer(id: ActionId, until: number | null, reason: string, now: number, attempt?: number): Promise<void>;
  /**
   * Makes waiting actions of an endpoint due at `at` (those not due by then already), oldest first: every reason
   * unless `reasons` is given, only lane `orderingKey` when given, at most `limit`. `first`: the oldest waiting ones,
   * due or not, become due since just before they were created, so they go before work that became due later (the
   * next message of a FIFO lane must not queue behind a burst of later messages being claimed and parked to learn
   * their lanes); one already there is left as it is. Returns the actions it woke.
   */
  wakeWaiting(org: string, endpoint: string, at: number, opts?: WakeOptions): Promise<ActionId[]>;
  /**
   * What a FIFO delivery waits for: the newest unfinished (pending, in flight or failed) action of the endpoint
   * older than `id` whose lane is `orderingKey` or not yet known. Undefined when the action is at the head.
   * `settled`: wait for an outcome of the blocker being committed in another transaction, and read it (PostgreSQL;
   * on SQLite every read already comes after it).
   */
  orderingBlocker(
    org: string,
    endpoint: string,
    id: ActionId,
    orderingKey: string,
    opts?: { settled?: boolean },
  ): Promise<OrderingBlocker | undefined>;
  setOrderingKey(id: ActionId, orderingKey: string): Promise<void>;
  /**
   * Actions per status. With `only`, just those statuses are counted (the rest read 0): leaving out `succeeded`
   * spares reading an endpoint's whole delivery history.
   */
  countByStatus(
    org: string,
    filter: ActionFilter,
    only?: readonly ActionStatus[],
  ): Promise<Record<ActionStatus, number>>;
}

/** Which waiting actions wakeWaiting wakes, and how (see there). */
export interface WakeOptions {
  reasons?: readonly string[];
  /** Also the actions waiting for nothing but their next scheduled attempt (an endpoint deleted: they die now). */
  scheduled?: boolean;
  orderingKey?: string;
  limit?: number;
  first?: boolean;
}

export interface ClaimCandidate {
  id: ActionId;
  org: string;
  endpoint: string | null;
  /** In flight on a lease that ran out (or was ended): its worker is gone; claiming it records an interrupted attempt. */
  leaseLost?: true;
}

/** A lane of due work: the webhook actions of one endpoint, or (endpoint null) an org's actions of other targets. */
export interface Lane {
  org: string;
  endpoint: string | null;
}

/** A lane as a map key: an endpoint's lane and the other-targets lane of its org never collide. */
export function laneKey(lane: Lane): string {
  return lane.endpoint === null ? `${lane.org}\n` : `${lane.org}\n${lane.endpoint}\n`;
}

/** `skip`: endpoints whose actions are left alone for now (e.g. at their concurrency cap in this process). */
export interface ClaimOptions {
  skip?: ReadonlyArray<{ org: string; endpoint: string }>;
}

export interface OrderingBlocker {
  id: ActionId;
  status: ActionStatus;
  orderingKey: string | null;
  nextAttemptAt: number | null;
}

export interface AttemptsRepo {
  insert(attempt: AttemptRecord): Promise<void>;
  /**
   * Removes the `interrupted` entry a later claim wrote for attempt `number` of an action, when that attempt's own
   * outcome arrives after all (its worker was slow, not gone): the real outcome replaces the guess.
   */
  dropInterrupted(org: string, actionId: ActionId, number: number): Promise<void>;
  listByAction(org: string, actionId: ActionId): Promise<AttemptRecord[]>;
  /** The newest attempts of an endpoint's actions started at or after `since` (for its health), newest first. */
  recentForEndpoint(org: string, endpoint: string, since: number, limit: number): Promise<AttemptSample[]>;
}

export type AttemptSample = Pick<AttemptRecord, 'startedAt' | 'latencyMs' | 'outcome' | 'statusCode'>;

export interface EndpointsRepo {
  /** Throws EH_ENDPOINT_EXISTS when the slug is taken in the org. */
  insert(endpoint: EndpointRecord): Promise<void>;
  /**
   * A live (not deleted) endpoint by slug. `settled`: wait for a change of the endpoint under way in another
   * transaction and read what it commits (PostgreSQL; on SQLite every read already comes after it); in a
   * transaction, the endpoint then stays as read until it ends (a share lock: others may read it so too).
   * `exclusive`: as settled, and no other transaction reads it settled or changes it until this one ends (PostgreSQL
   * FOR UPDATE; SQLite's write transactions run one at a time anyway).
   */
  get(
    org: string,
    slug: string,
    opts?: { settled?: boolean; exclusive?: boolean },
  ): Promise<EndpointRecord | undefined>;
  getById(id: EndpointId): Promise<EndpointRecord | undefined>;
  list(org: string, opts?: { includeDeleted?: boolean }): Promise<EndpointRecord[]>;
  /**
   * Writes an endpoint's configuration — and, with `state`, its status, disabled reason and breaker — only if it is
   * live and still at `basis` (the updatedAt it was read at); false when it changed or was deleted meanwhile. Without
   * `state` the worker-owned columns are left as they are, so an edit never undoes a breaker the worker just stored.
   */
  update(endpoint: EndpointRecord, opts: { basis: number; state: boolean }): Promise<boolean>;
  /** False when no such live endpoint, or (with `basis`) when it is no longer at that version. */
  softDelete(org: string, slug: string, now: number, basis?: number): Promise<boolean>;
  /** Orgs with a live FIFO endpoint: the router keeps each of them on one worker. */
  orderedOrgs(): Promise<string[]>;
  /**
   * Worker-owned state: the breaker, and optionally a status change with its reason (which also moves
   * updatedAt). A status change applies only to a live endpoint not already in that status; returns whether it
   * did (so `endpoint.disabled` is emitted once).
   */
  setState(
    id: EndpointId,
    state: { breaker: JsonValue; status?: EndpointStatus; disabledReason?: string | null },
    now: number,
    /** A breaker-only write applies only while the endpoint is still at this updatedAt (not reset meanwhile). */
    basis?: number,
  ): Promise<boolean>;
}

export interface ExecutionFilter {
  kind?: string;
  queue?: string;
  status?: ExecutionStatus;
}

/** Workflow and task executions of the local engine. */
/**
 * Who runs an execution: the `workerId` its worker chose, and the `claimer`, the API key the worker called with (its
 * id, or `operator` for the operator token). Both must match for a heartbeat, completion or failure: a workerId is
 * only a name, which any key could send. An execution claimed before migration 026 has no claimer, and its workerId
 * alone still holds it.
 */
export interface ExecutionHolder {
  workerId: string;
  claimer: string;
}

export interface ExecutionsRepo<R extends WorkflowRecord> {
  /**
   * Inserts unless (org, idempotencyKey) exists; returns the stored record and whether it is new. An execution that
   * failed or was cancelled frees its key (its idempotencyKey becomes null), so the same key inserts a new one.
   */
  insertIdempotent(record: R): Promise<{ record: R; created: boolean }>;
  /**
   * One execution. `exclusive`, in a transaction: wait for a change of it under way in another transaction, read what
   * that commits, and keep any other from changing it (cancel, complete, fail, a lease sweep) until this one ends
   * (PostgreSQL FOR UPDATE; SQLite's write transactions run one at a time anyway).
   */
  get(org: string, id: string, opts?: { exclusive?: boolean }): Promise<R | undefined>;
  list(org: string, filter: ExecutionFilter, page: { limit: number; before?: string }): Promise<Page<R>>;
  /**
   * Claims the oldest pending execution of one of `kinds` (any kind when empty) in `queue` for a worker, remembering
   * the worker's `claimer` with it.
   */
  claim(
    org: string,
    opts: ExecutionHolder & { kinds: readonly string[]; queue: string; leaseUntil: number; now: number },
  ): Promise<R | undefined>;
  /**
   * Applies `patch` when the execution is running under `holder` (or `holder` is null); returns the new record. A
   * `patch` that clears `workerId` clears the claimer too.
   */
  update(org: string, id: string, holder: ExecutionHolder | null, patch: Partial<R>): Promise<R | undefined>;
  /**
   * Ends a pending or running execution `cancelled` (its error `error`, completedAt `now`, no worker nor lease) in one
   * statement, so a completion racing with it either lands first (then this changes nothing) or finds it cancelled.
   * Returns the new record; undefined when there is none in either status.
   */
  cancel(org: string, id: string, error: string, now: number): Promise<R | undefined>;
  /**
   * Running executions whose lease expired (the worker stopped heartbeating), each an execution that failed with
   * `reason`: a task that has no retry left (executionCount > maxRetries) ends `failed` (its error `reason` and how
   * many executions it had), and so does a workflow whose lease already expired `workflowLeaseRetries` times (its
   * error `reason` and how many expired leases it had); every other one goes back to pending with `reason` as its
   * error. Returns both.
   */
  releaseExpired(
    now: number,
    reason: string,
    workflowLeaseRetries: number,
  ): Promise<{ retried: R[]; failed: R[] }>;
  /** Whether any running execution's lease expired before `now`: a read, so an idle sweep takes no write lock. */
  anyExpired(now: number): Promise<boolean>;
  /**
   * Deletes finished executions (completed, failed, cancelled) that finished before `cutoff` (retention), `batchSize`
   * at a time as EventsRepo.prune does; pending and running ones stay whatever their age. Returns how many.
   */
  prune(cutoff: number, batchSize?: number): Promise<number>;
}

export interface PromiseFilter {
  status?: PromiseStatus;
  /** The promises created for one workflow. */
  workflowId?: string;
}

export interface PromisesRepo {
  /** Throws EH_ENGINE_CONFLICT when the key exists. */
  insert(record: PromiseRecord): Promise<void>;
  get(org: string, id: string): Promise<PromiseRecord | undefined>;
  getByKey(org: string, key: string): Promise<PromiseRecord | undefined>;
  /** An org's promises, newest first. */
  list(
    org: string,
    filter: PromiseFilter,
    page: { limit: number; before?: string },
  ): Promise<Page<PromiseRecord>>;
  /** Settles a pending promise; returns the record after the call and whether this call settled it. */
  settle(
    org: string,
    id: string,
    patch: { status: 'resolved' | 'rejected'; value: JsonValue; error: string | null },
    now: number,
  ): Promise<{ record: PromiseRecord; settled: boolean } | undefined>;
  /**
   * Rejects every pending promise of one workflow with `error` (a workflow that just ended: completed, failed or
   * cancelled, so nobody awaits them for ever); settled ones stay as they are. Returns the promises this call
   * rejected, oldest first.
   */
  rejectPendingOfWorkflow(
    org: string,
    workflowId: string,
    error: string,
    now: number,
  ): Promise<PromiseRecord[]>;
  /** Deletes promises settled before `cutoff` (retention), in batches; pending ones stay. Returns how many. */
  prune(cutoff: number, batchSize?: number): Promise<number>;
}

export type { ApiKeyRole };
