// Events: the publisher every producer uses, and the envelope view of stored events.
export * from './publisher.js';
export * from './event-queries.js';
export * from './replay-service.js';
