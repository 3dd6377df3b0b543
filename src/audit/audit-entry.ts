// Building audit log entries. Each service appends one in the transaction of the change it records, so a change
// that is committed is in the log and a change that failed is not.
import { newId } from '../core/ids.js';
import type { Actor, AuditAction, AuditEntryRecord, AuditResource } from '../store/records.js';

export interface AuditedChange {
  org: string;
  resource: AuditResource;
  resourceId: string;
  name: string;
  action: AuditAction;
  fields?: readonly string[];
  actor: Actor;
  version: number | null;
  at: number;
}

export function auditEntry(c: AuditedChange): AuditEntryRecord {
  return {
    id: newId('auditEntry', c.at),
    org: c.org,
    at: c.at,
    resource: c.resource,
    resourceId: c.resourceId,
    name: c.name,
    action: c.action,
    fields: [...(c.fields ?? [])].sort(),
    actor: c.actor,
    version: c.version,
  };
}

/** The fields a change request set, by name: every key given a value (null included, which clears one). */
export function fieldsSet(patch: object): string[] {
  return Object.entries(patch)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
}
