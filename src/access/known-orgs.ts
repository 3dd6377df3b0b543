// Whether an org exists, for what takes events for orgs named in messages rather than in an authenticated request
// (the JetStream intake, Flovyn's lifecycle events). An org found is remembered for a while, as asking the store for
// every message would cost a read each; an org is deleted rarely, and its purge outlasts the memory (see
// ORG_PURGE_GRACE_MS), so what is taken meanwhile is purged with the rest. One not found is asked for again next time.
import type { OrgsRepo } from '../store/port.js';

/** How long an org found is taken to exist: well under ORG_PURGE_GRACE_MS (src/access/org-deletion.ts). */
export const ORG_MEMORY_MS = 10_000;
const MAX_REMEMBERED = 10_000;

export class KnownOrgs {
  private readonly found = new Map<string, number>();

  constructor(
    private readonly orgs: Pick<OrgsRepo, 'get'>,
    private readonly now: () => number = Date.now,
  ) {}

  async exists(org: string): Promise<boolean> {
    const now = this.now();
    if (now - (this.found.get(org) ?? -Infinity) < ORG_MEMORY_MS) return true;
    if ((await this.orgs.get(org)) === undefined) return false;
    if (this.found.size >= MAX_REMEMBERED) this.found.clear();
    this.found.set(org, now);
    return true;
  }
}
