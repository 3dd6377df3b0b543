// Outbound delivery building blocks: signing, secrets, retry policy, circuit breaker, SSRF policy, sender, auth, limits.
export * from './signing.js';
export * from './endpoint-secrets.js';
export * from './send-result.js';
export * from './retry-policy.js';
export * from './circuit-breaker.js';
export * from './address-policy.js';
export { systemLookup, type LookupFn, type LookupAddress } from './guarded-connector.js';
export * from './http-sender.js';
export * from './endpoint-auth.js';
export * from './oauth2-token-cache.js';
export * from './authenticated-sender.js';
export * from './endpoint-limiter.js';
