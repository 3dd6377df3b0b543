// The local engine adapter: executions and promises kept in Eventhook's own store.
export { LocalEngine } from './local-engine.js';
