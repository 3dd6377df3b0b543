// Building audit log entries. Each service appends one in the transaction of the change it records, so a change
// that is committed is in the log and a change that failed is not.
import { newId } from '../core/ids.js';
import type { Actor, AuditAction, AuditEntryRecord, AuditResource } from '../store/records.js';

/** The resource a change was made to, as the log names it; `updatedAt` is its version after the change. */
export interface Audited {
  org: string;
  id: string;
  /** What a person calls it: a slug, a rule's or key's name, the org a grant lets publish. */
  name: string;
  updatedAt?: number;
}

export interface AuditedChange {
  action: AuditAction;
  /** The fields the change set, by name. */
  fields?: readonly string[];
  actor: Actor;
  at: number;
}

export function auditEntry(resource: AuditResource, of: Audited, c: AuditedChange): AuditEntryRecord {
  return {
    id: newId('auditEntry', c.at),
    org: of.org,
    at: c.at,
    resource,
    resourceId: of.id,
    name: of.name,
    action: c.action,
    fields: [...(c.fields ?? [])].sort(),
    actor: c.actor,
    // A deleted resource has no version left.
    version: c.action === 'deleted' ? null : (of.updatedAt ?? null),
  };
}

/** A source or an endpoint, as the log names it: by its slug. */
export function bySlug<T extends { slug: string }>(record: T): T & { name: string } {
  return { ...record, name: record.slug };
}

/** The fields a change request set, by name: every key given a value (null included, which clears one). */
export function fieldsSet(patch: object): string[] {
  return Object.entries(patch)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
}
