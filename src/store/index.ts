// The Store port and its record types. Adapters live in ./adapters and are chosen by the composition root.
export type * from './port.js';
export type * from './records.js';
