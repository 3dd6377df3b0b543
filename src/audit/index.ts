export { auditEntry, bySlug, fieldsSet, type Audited, type AuditedChange } from './audit-entry.js';
export { AuditLog, type AuditLogFilter } from './audit-log.js';
