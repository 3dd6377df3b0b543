// Configuration: loading, validation and the documented keys.
export * from './config.js';
export * from './keys.js';
