// Timed chores: the local engine's lease sweep, the presence heartbeats (and with them taking back the leases of
// workers that died), retention (SPEC §9), and the purge of deleted orgs.
import type { Logger } from 'pino';
import type { Gauge } from 'prom-client';
import { OrgPurger } from '../access/org-deletion.js';
import type { Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import type { LocalEngine } from '../engine/adapters/local/index.js';
import { logFailure } from '../observability/log-failure.js';
import { RepeatedFailureLog } from '../observability/repeated-failure-log.js';
import type { Metrics } from '../observability/metrics.js';
import { orphanAfterMs, releaseOrphanedLeases } from '../routing/orphaned-leases.js';
import type { WorkerPresence } from '../routing/worker-presence.js';
import type { Store } from '../store/port.js';

export interface ChoresDeps {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  localEngine: LocalEngine | undefined;
  presence: WorkerPresence | undefined;
  ingesters: WorkerPresence | undefined;
  runsWorkers: boolean;
  /** Called when leases of dead workers were ended: their actions are due now. */
  onLeasesReleased?: () => void;
}

export interface Chores {
  /** Beats for this process as a worker and as an ingester, whichever it is; never throws (failures are logged). */
  beatAll(): Promise<unknown>;
  /** Stops the timers: no chore starts after it. */
  stop(): void;
  /** Settles once the chores still running have. */
  settled(): Promise<unknown>;
}

export function startChores(deps: ChoresDeps): Chores {
  const { config, store, clock, logger, metrics, localEngine, presence, ingesters, runsWorkers } = deps;
  // Timed chores that may still be running when the app closes: close waits for them before closing the store.
  const chores = new Set<Promise<unknown>>();
  const chore = (work: Promise<unknown>) => {
    chores.add(work);
    void work.finally(() => chores.delete(work));
  };
  // Each runs every sweep interval: a store outage is logged when it begins, every minute and when it ends.
  const outageLog = (what: string) =>
    new RepeatedFailureLog(logger, `${what} failed`, `${what}s succeed again`);
  /** Runs `work` every sweep interval unless it returns nothing (not this process's to do). */
  const everySweep = (what: string, work: () => Promise<unknown> | undefined) => {
    const log = outageLog(what);
    const timer = setInterval(() => {
      const running = work();
      if (running)
        chore(
          running.then(
            () => log.succeeded(),
            (err: unknown) => log.failed(err),
          ),
        );
    }, config.sweepIntervalMs);
    timer.unref();
    return timer;
  };
  const leaseTimer = everySweep('lease sweep', () => localEngine?.releaseExpiredLeases());
  // Deleted orgs' data, purged by the processes that run workers (the API process only marks an org deleted).
  const purger = new OrgPurger(store, clock, logger);
  const purgeTimer = everySweep('deleted-org purge', () => (runsWorkers ? purger.run() : undefined));
  const beatLogs = { worker: outageLog('worker heartbeat'), ingest: outageLog('ingest heartbeat') };
  const beat = async (p: WorkerPresence, alive: Gauge, who: keyof typeof beatLogs): Promise<boolean> => {
    try {
      alive.set((await p.beat()).count);
      beatLogs[who].succeeded();
      return true;
    } catch (err) {
      beatLogs[who].failed(err);
      return false;
    }
  };
  const orphanSweepLog = outageLog('orphaned lease sweep');
  let beatFailedAt = -Infinity;
  const beatAsWorker = async (p: WorkerPresence) => {
    // Only after a beat of its own went through: a worker that could not beat may be the one others count as gone.
    if (!(await beat(p, metrics.workersAlive, 'worker'))) {
      beatFailedAt = clock.now();
      return;
    }
    // Nor until its beats have gone through for as long as it takes to count another gone: when the database was out
    // of everyone's reach, the first worker back would see the others silent for as long as itself, and take the
    // leases of workers only waiting to record their outcomes (their messages sent again).
    if (clock.now() - beatFailedAt < orphanAfterMs(config.sweepIntervalMs)) return;
    try {
      const { released, holders } = await releaseOrphanedLeases(
        store,
        p.id,
        clock.now(),
        config.sweepIntervalMs,
      );
      orphanSweepLog.succeeded();
      if (released === 0) return;
      metrics.leasesTakenOver.inc(released);
      logger.warn({ released, workers: holders }, 'took back the leases of workers that stopped beating');
      deps.onLeasesReleased?.();
    } catch (err) {
      orphanSweepLog.failed(err);
    }
  };
  const beatAll = () =>
    Promise.all([
      presence && beatAsWorker(presence),
      ingesters && beat(ingesters, metrics.ingestersAlive, 'ingest'),
    ]);
  const presenceTimer = setInterval(() => chore(beatAll()), config.sweepIntervalMs);
  presenceTimer.unref();
  // Retention (SPEC §9): events, their actions and attempts older than retentionDays go, a minute after the start
  // (a process restarted more often than hourly, by deploys or a crash loop, would never prune otherwise) and then
  // hourly; so do the local engine's workflows, tasks and promises that finished before then (running and pending
  // ones stay).
  const pruneEvents = async (before: number) => {
    const events = await store.events.prune(before);
    if (events > 0) logger.info({ pruned: events }, 'pruned old events');
    await store.executionCauses.prune(before);
    await store.outbox.prune(before);
    const pruned = {
      workflows: await store.workflows.prune(before),
      tasks: await store.tasks.prune(before),
      promises: await store.promises.prune(before),
    };
    if (Object.values(pruned).some((n) => n > 0)) logger.info(pruned, 'pruned finished engine work');
  };
  // The audit log has a retention of its own (often longer, or forever, for compliance), so either may be off. Its
  // prune runs after the events', not beside it, so SQLite's writers wait behind one batch at a time; and it runs
  // whether or not that one failed.
  const pruneAuditLog = async (before: number) => {
    const n = await store.auditLog.prune(before);
    if (n > 0) logger.info({ pruned: n }, 'pruned audit log entries');
  };
  const prune = () => {
    if (!runsWorkers) return;
    const now = clock.now();
    const { retentionDays, auditRetentionDays } = config;
    const days = (n: number) => n * 86_400_000;
    chore(
      (async () => {
        if (retentionDays > 0)
          await pruneEvents(now - days(retentionDays)).catch((err) =>
            logFailure(logger, err, {}, 'retention prune failed'),
          );
        if (auditRetentionDays > 0)
          await pruneAuditLog(now - days(auditRetentionDays)).catch((err) =>
            logFailure(logger, err, {}, 'audit log retention prune failed'),
          );
      })(),
    );
  };
  const pruneTimer = setInterval(prune, 3600_000);
  pruneTimer.unref();
  const firstPrune = setTimeout(prune, 60_000);
  firstPrune.unref();
  return {
    beatAll,
    stop() {
      clearInterval(leaseTimer);
      clearInterval(purgeTimer);
      clearInterval(pruneTimer);
      clearTimeout(firstPrune);
      clearInterval(presenceTimer);
    },
    settled: () => Promise.all(chores),
  };
}
