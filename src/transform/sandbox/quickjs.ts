// Loads the QuickJS WebAssembly module once per process (asynchronously) so scripts can then be compiled and
// called synchronously.
import { getQuickJS } from 'quickjs-emscripten';
import type { QuickJSWASMModule } from 'quickjs-emscripten';
import { EventhookError } from '../../core/errors.js';

let loaded: QuickJSWASMModule | undefined;
let loading: Promise<QuickJSWASMModule> | undefined;

/** Loads the sandbox's WebAssembly module; await it once at startup before compiling JavaScript. Idempotent. */
export async function initSandbox(): Promise<void> {
  loading ??= getQuickJS().then((module) => (loaded = module));
  try {
    await loading;
  } catch (err) {
    loading = undefined;
    throw err;
  }
}

/** The loaded module; throws EH_NOT_READY when initSandbox() has not completed. */
export function sandboxModule(): QuickJSWASMModule {
  if (loaded === undefined) {
    throw new EventhookError('EH_NOT_READY', {
      reason: 'the JavaScript sandbox is not initialised (await initSandbox())',
    });
  }
  return loaded;
}
