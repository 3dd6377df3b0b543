// Clients that ship with the package: the local engine's worker client.
export * from './worker-client.js';
