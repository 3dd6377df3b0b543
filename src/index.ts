// The package's library entry: the composition root (embed Eventhook in a process) and the worker client.
export { createApp, type App } from './app.js';
export { loadConfig, type Config } from './config/config.js';
export {
  ExecutionCancelledError,
  WorkerClient,
  type Execution,
  type HandlerContext,
  type WorkerClientOptions,
} from './client/index.js';
