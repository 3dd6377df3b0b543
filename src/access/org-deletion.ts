// The background half of deleting an org (AccessService.deleteOrg stops it at once): its data is purged a batch at
// a time by every process that runs workers, and its row goes once nothing of it is left and ORG_PURGE_GRACE_MS has
// passed — longer than any process keeps a copy that could still write for it (a source, an org found by the
// JetStream intake, a delivery in flight), so nothing written late outlives the purge.
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { Store } from '../store/port.js';

export const ORG_PURGE_GRACE_MS = 120_000;

export class OrgPurger {
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Purges every deleted org once; a call while one runs joins it. Throws what the store throws. */
  run(): Promise<void> {
    this.running ??= this.purgeAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async purgeAll(): Promise<void> {
    for (const org of await this.store.orgs.list({ includeDeleted: true })) {
      if (org.deletedAt === null) continue;
      const rows = await this.store.orgs.purge(org.slug);
      if (rows > 0) this.logger.info({ org: org.slug, rows }, 'purged rows of a deleted org');
      if (this.clock.now() - org.deletedAt < ORG_PURGE_GRACE_MS) continue;
      if (await this.store.orgs.remove(org.slug)) this.logger.info({ org: org.slug }, 'deleted org purged');
    }
  }
}
