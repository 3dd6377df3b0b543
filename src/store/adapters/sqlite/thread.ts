// Starts one of the SQLite adapter's threads (the ingest writer, the checkpointer) from its module beside this file.
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * The module is the compiled JavaScript beside this file, or, running from source, the TypeScript, which the
 * thread requires through tsx's CommonJS hook: on Node 20 a worker gets no ESM loader, neither the main thread's
 * nor one it registers itself.
 */
export function startThread(name: string, workerData: unknown): Worker {
  const here = import.meta.url;
  const module = new URL(`./${name}${extname(fileURLToPath(here))}`, here);
  if (!here.endsWith('.ts')) return new Worker(module, { workerData });
  const tsx = createRequire(here).resolve('tsx/cjs/api');
  const boot = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(fileURLToPath(module))});`;
  return new Worker(boot, { eval: true, workerData });
}
