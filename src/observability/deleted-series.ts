// Series labelled with an org and a source that no longer exist are dropped from this process's /metrics. Each source
// an org makes and deletes (per-tenant sources, `apply --prune`) would otherwise leave its series in every process
// that took its webhooks, for the life of the process: Prometheus stores and an operator's dashboards list every one.
// Deletions made in other processes are not announced here, so the store is asked, when scraped, at most so often.
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';

/** How often a scrape looks for series of deleted sources and orgs (the scrape does not wait for it). */
export const PRUNE_EVERY_MS = 10 * 60_000;

export interface SeriesOwners {
  /** Whether the org has the source (disabled counts: it may be enabled again). */
  source(org: string, slug: string): Promise<boolean>;
  /** Whether the org is live (not deleted). */
  org(slug: string): Promise<boolean>;
}

export class DeletedSeries {
  private prunedAt: number;
  private running = false;

  constructor(
    /** Counters labelled with `org` and `source`, and those labelled with `org` alone. */
    private readonly bySource: readonly Counter<string>[],
    private readonly byOrg: readonly Counter<string>[],
    private readonly owners: SeriesOwners,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {
    this.prunedAt = now();
  }

  /** Called on each scrape: drops the series of deleted sources and orgs once PRUNE_EVERY_MS has gone by. */
  scraped(): void {
    const now = this.now();
    if (this.running || now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    this.running = true;
    this.prune()
      .catch((err: unknown) =>
        this.logger.warn({ err }, 'metrics: looking for series of deleted sources failed; tried again later'),
      )
      .finally(() => (this.running = false));
  }

  private async prune(): Promise<void> {
    const sources = new Map<string, Promise<boolean>>();
    const orgs = new Map<string, Promise<boolean>>();
    const orgLives = (org: string) => orgs.get(org) ?? set(orgs, org, this.owners.org(org));
    const sourceLives = (org: string, slug: string) =>
      sources.get(`${org}\n${slug}`) ?? set(sources, `${org}\n${slug}`, this.owners.source(org, slug));
    for (const counter of this.bySource)
      for (const { labels } of (await counter.get()).values) {
        const { org, source } = labels as { org?: string; source?: string };
        if (org === undefined || source === undefined) continue;
        if (!(await sourceLives(org, source))) counter.remove(labels);
      }
    for (const counter of this.byOrg)
      for (const { labels } of (await counter.get()).values) {
        const { org } = labels as { org?: string };
        if (org !== undefined && !(await orgLives(org))) counter.remove(labels);
      }
  }
}

function set<K, V>(map: Map<K, V>, key: K, value: V): V {
  map.set(key, value);
  return value;
}
