export { auditEntry, fieldsSet, type AuditedChange } from './audit-entry.js';
export { AuditLog, type AuditLogFilter } from './audit-log.js';
