// Ingest: verify, then group-commit, then ring the doorbell; and the other ways events come in (Flovyn, JetStream).
import { KnownOrgs } from '../access/known-orgs.js';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import { guardedFetch, type AddressPolicy } from '../delivery/index.js';
import type { ExecutionCauses } from '../engine/adapters/flovyn/execution-causes.js';
import { FlovynLifecycleConsumer } from '../engine/adapters/flovyn/lifecycle-consumer.js';
import type { EventPublisher } from '../events/publisher.js';
import { GroupCommitter } from '../ingest/group-committer.js';
import { IngestService } from '../ingest/ingest-service.js';
import type { LiveSources } from '../ingest/live-sources.js';
import { PublishService } from '../ingest/publish-service.js';
import { SourceRateLimiter } from '../ingest/rate-limiter.js';
import { JetStreamIntake } from '../jetstream/intake.js';
import type { Metrics } from '../observability/metrics.js';
import { WorkerPresence } from '../routing/worker-presence.js';
import type { Store } from '../store/port.js';

export interface IngestDeps {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  publisher: EventPublisher;
  liveSources: LiveSources;
  addressPolicy: AddressPolicy;
  causes: ExecutionCauses | undefined;
}

export interface Ingest {
  committer: GroupCommitter;
  /** Flovyn's lifecycle events from NATS, when configured. */
  flovynEvents: FlovynLifecycleConsumer | undefined;
  /** POST /events and the JetStream intake. */
  publishService: PublishService;
  intake: JetStreamIntake | undefined;
  /** This process's presence among the processes serving ingest; none in a worker. */
  ingesters: WorkerPresence | undefined;
  ingest: IngestService;
}

export async function buildIngest(deps: IngestDeps): Promise<Ingest> {
  const { config, store, clock, logger, metrics, publisher, liveSources, addressPolicy, causes } = deps;
  const committer = new GroupCommitter(
    store,
    clock,
    { maxBatch: 256, maxBacklogBytes: config.ingestBacklogBytes },
    (items) => void publisher.announce(items.map((i) => i.event)),
  );
  metrics.ingestBacklog(() => committer.backlog);
  // Flovyn's lifecycle events, from NATS, become events like any other (committed, then routed). A mapping to an org
  // not made yet is said at the start: its events would be stored where no API key can see them.
  for (const [flovynOrg, org] of config.flovynEvents?.eventOrgs ?? []) {
    if (!(await store.orgs.get(org)))
      logger.warn(
        { flovynOrg, org },
        `EVENTHOOK_FLOVYN_EVENT_ORGS maps Flovyn org ${flovynOrg} to org ${org}, which does not exist: create it (POST /api/orgs)`,
      );
  }
  const knownOrgs = new KnownOrgs(store.orgs);
  const flovynEvents = config.flovynEvents
    ? new FlovynLifecycleConsumer({
        ...config.flovynEvents,
        // Core NATS will not send a lifecycle event again: it is never refused for the backlog (counted as 0 bytes).
        commit: (item) => committer.submit(item, 0),
        orgExists: (org) => knownOrgs.exists(org),
        clock,
        dedupWindowMs: config.dedupWindowMs,
        logger,
        causes,
      })
    : undefined;
  const publishService = new PublishService(committer, clock, metrics, config.dedupWindowMs);
  // Applications' events from a JetStream work queue, committed as POST /events commits them (API processes).
  const intake =
    config.jetstreamIntake && config.role !== 'worker'
      ? new JetStreamIntake({
          ...config.jetstreamIntake,
          // Refusals are kept as long as events when the intake makes the stream that keeps them.
          maxAgeMs: config.retentionDays * 86_400_000,
          publish: (org, events, exact) => publishService.publish(org, events, false, 0, exact),
          orgs: store.orgs,
          logger,
          onRejected: () => metrics.intakeRejected.inc(),
          onRetried: () => metrics.intakeRetried.inc(),
        })
      : undefined;
  // Processes serving ingest on one database divide each source's rate limit among themselves.
  const ingesters =
    config.role === 'worker'
      ? undefined
      : new WorkerPresence(store, newId('ingester'), clock, config.sweepIntervalMs);
  const ingest = new IngestService(
    liveSources,
    new SourceRateLimiter(clock, () => ingesters?.current().count ?? 1),
    committer,
    clock,
    metrics,
    {
      bodyLimit: config.bodyLimitBytes,
      maxJsonDepth: config.maxJsonDepth,
      dedupWindowMs: config.dedupWindowMs,
      trustedProxies: config.trustedProxies,
      // Key sets for JWT sources come from URLs an org admin chose: fetched under the same address policy.
      keySetFetch: guardedFetch(addressPolicy),
    },
    logger,
  );
  return { committer, flovynEvents, publishService, intake, ingesters, ingest };
}
