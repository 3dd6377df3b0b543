// Outbound delivery: the building blocks (signing, secrets, retry policy, circuit breaker, SSRF policy, sender, auth,
// limits) and the services built on them (endpoints, their health, the delivery gate, endpoint state, messages).
export * from './signing.js';
export * from './endpoint-secrets.js';
export * from './send-result.js';
export * from './retry-policy.js';
export * from './circuit-breaker.js';
export * from './address-policy.js';
export { guardedFetch, systemLookup, type LookupFn, type LookupAddress } from './guarded-connector.js';
export * from './http-sender.js';
export * from './endpoint-auth.js';
export * from './oauth2-token-cache.js';
export * from './authenticated-sender.js';
export * from './endpoint-limiter.js';
export * from './endpoint-input.js';
export * from './endpoint-service.js';
export * from './endpoint-health.js';
export * from './live-endpoints.js';
export * from './delivery-gate.js';
export * from './endpoint-state.js';
export * from './delivery-events.js';
export * from './webhook-message.js';
export * from './webhook-retry.js';
export * from './endpoint-probe.js';
