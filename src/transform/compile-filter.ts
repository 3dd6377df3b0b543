// Compiles a rule's optional JavaScript `filter` (SPEC §5), which runs after the pattern has matched.
import type { Envelope } from '../core/envelope.js';
import { compileFilterScript } from './sandbox/script.js';
import type { SandboxLimits } from './sandbox/sandboxed-function.js';

/**
 * A compiled `function filter(event) { return … }`. `test` returns the script's boolean and throws EventhookError
 * (EH_SCRIPT_TIMEOUT, EH_SCRIPT_MEMORY, EH_SCRIPT_ERROR, or EH_SCRIPT_OUTPUT for a non-boolean result). Holds a
 * QuickJS runtime: call dispose() when dropping it.
 */
export interface CompiledFilter {
  test(envelope: Envelope): boolean;
  dispose(): void;
}

/** Compiles and checks the filter at save time: EH_SCRIPT_INVALID {path, reason} on a syntax error or no filter(). */
export function compileFilter(source: string, path = '/filter', limits?: SandboxLimits): CompiledFilter {
  const script = compileFilterScript(source, path, limits);
  return { test: (envelope) => script.call(envelope), dispose: () => script.dispose() };
}
