// The Bus port. Adapters live in ./adapters and are chosen by the composition root.
export * from './port.js';
