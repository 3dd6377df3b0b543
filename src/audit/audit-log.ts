// Reading an org's audit log: newest first, a page at a time, narrowed to a kind of resource, a name, one resource
// or one key's changes.
import type { AuditLogFilter, Page, Store } from '../store/port.js';
import type { AuditEntryRecord } from '../store/records.js';

export type { AuditLogFilter };

export class AuditLog {
  constructor(private readonly store: Store) {}

  page(
    org: string,
    filter: AuditLogFilter,
    opts: { limit: number; before?: string },
  ): Promise<Page<AuditEntryRecord>> {
    return this.store.auditLog.list(org, filter, opts);
  }
}
