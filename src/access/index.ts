// Access: orgs, API keys, roles and the operator token.
export * from './access-service.js';
export * from './permissions.js';
