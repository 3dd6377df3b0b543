// Grants: which other orgs may publish into an org through event_bus targets.
export { grantsAllow, typeMatches, eventTypePatternProblem, MAX_GRANT_EVENT_TYPES } from './grant-match.js';
export { GrantService, type GrantInput, type GrantChange } from './grant-service.js';
