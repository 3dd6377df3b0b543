// The pure core: envelope, ids, errors and the clock, shared by every concern.
export * from './envelope.js';
export * from './credential-headers.js';
export * from './errors.js';
export * from './schema-issues.js';
export * from './ids.js';
export * from './clock.js';
export * from './token-bucket.js';
export * from './secret-box.js';
export * from './trace-context.js';
export * from './keys.js';
export * from './within.js';
export * from './version.js';
export * from './exact-integers.js';
