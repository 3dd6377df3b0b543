// Reading an org's audit log: newest first, a page at a time, narrowed to a kind of resource and a name.
import type { Store } from '../store/port.js';
import type { AuditEntryRecord, AuditResource } from '../store/records.js';

export interface AuditLogFilter {
  resource?: AuditResource;
  /** The source's or endpoint's slug, the rule's or key's name, the granted org: every resource that bore it. */
  name?: string;
  /** One resource, by id: its history across renames. */
  resourceId?: string;
  /** Changes made by one key, by id: what a key did, say once it leaked. */
  actorId?: string;
}

export class AuditLog {
  constructor(private readonly store: Store) {}

  /** One page, entries with an id below `before` (the last of the previous page); `next` when there may be more. */
  async page(
    org: string,
    filter: AuditLogFilter,
    opts: { limit: number; before?: string },
  ): Promise<{ items: AuditEntryRecord[]; next: string | null }> {
    const rows = await this.store.auditLog.list(org, {
      ...filter,
      before: opts.before,
      limit: opts.limit + 1,
    });
    const items = rows.slice(0, opts.limit);
    return { items, next: rows.length > opts.limit ? items.at(-1)!.id : null };
  }
}
