// Compiles a user script (`function transform(event)` or `function filter(event)`) at save time, checking its
// syntax and that the function exists, and turns each call's outcome into a JSON value or an EventhookError.
import type { Envelope, JsonValue } from '../../core/envelope.js';
import { EventhookError } from '../../core/errors.js';
import { MAX_OUTPUT_CHARS } from './prelude.js';
import { sandboxModule } from './quickjs.js';
import type { FunctionKind, SandboxLimits } from './sandboxed-function.js';
import { DEFAULT_LIMITS, SandboxFailure, SandboxedFunction, errorForFailure } from './sandboxed-function.js';

/** Longest script accepted, in characters. */
export const MAX_SCRIPT_CHARS = 100_000;

/** A compiled script; `call` throws EventhookError (EH_SCRIPT_*) and never leaves the sandbox broken. */
export interface Script<T> {
  call(envelope: Envelope): T;
  dispose(): void;
}

/** Envelopes never change once stored, so one event's JSON text serves every script it meets. */
const envelopeJson = new WeakMap<Envelope, string>();

function inputFor(envelope: Envelope): string {
  let json = envelopeJson.get(envelope);
  if (json === undefined) {
    json = JSON.stringify(envelope);
    envelopeJson.set(envelope, json);
  }
  return json;
}

export function compileTransformScript(
  source: string,
  path: string,
  limits?: SandboxLimits,
): Script<JsonValue> {
  const fn = compileScript(source, 'transform', path, limits);
  return {
    call: (envelope) => decodeTransform(run(fn, envelope)),
    dispose: () => fn.dispose(),
  };
}

export function compileFilterScript(source: string, path: string, limits?: SandboxLimits): Script<boolean> {
  const fn = compileScript(source, 'filter', path, limits);
  return {
    call: (envelope) => decodeFilter(run(fn, envelope)),
    dispose: () => fn.dispose(),
  };
}

function run(fn: SandboxedFunction, envelope: Envelope): string {
  try {
    return fn.call(inputFor(envelope));
  } catch (err) {
    if (err instanceof SandboxFailure) throw errorForFailure(err.failure, fn.limits);
    throw err;
  }
}

function compileScript(
  source: string,
  kind: FunctionKind,
  path: string,
  limits = DEFAULT_LIMITS,
): SandboxedFunction {
  checkLimits(limits);
  if (typeof source !== 'string' || source.trim() === '') {
    throw invalid(path, `the script must be a non-empty string defining function ${kind}(event)`);
  }
  if (source.length > MAX_SCRIPT_CHARS) {
    throw invalid(path, `the script is longer than ${MAX_SCRIPT_CHARS} characters`);
  }
  const fn = new SandboxedFunction(sandboxModule(), source, kind, limits);
  let found: string;
  try {
    found = fn.probe();
  } catch (err) {
    fn.dispose();
    if (!(err instanceof SandboxFailure)) throw err;
    const f = err.failure;
    if (f.kind === 'timeout')
      throw invalid(path, `the top-level code exceeded the CPU time limit of ${limits.cpuMs} ms`);
    if (f.kind === 'memory')
      throw invalid(path, `the top-level code exceeded the memory limit of ${limits.memoryBytes} bytes`);
    throw invalid(path, f.reason);
  }
  if (found !== 'function') {
    fn.dispose();
    throw invalid(
      path,
      found === 'undefined'
        ? `the script must define function ${kind}(event)`
        : `${kind} is a ${found}, not a function; define function ${kind}(event)`,
    );
  }
  return fn;
}

function decodeTransform(coded: string): JsonValue {
  const rest = coded.slice(1);
  switch (coded[0]) {
    case 'j':
      return JSON.parse(rest) as JsonValue;
    case 'u':
      throw output('transform returned undefined; return a JSON value (null for none)');
    case 'n':
      throw output(`transform returned a ${rest}, which JSON cannot hold`);
    case 'p':
      throw output('transform returned a Promise; transforms must be synchronous');
    case 'L':
      throw output(`the result is ${rest} characters of JSON, more than the ${MAX_OUTPUT_CHARS} allowed`);
    case 'e':
      throw output(`the result could not be serialised as JSON: ${rest}`);
    default:
      throw new EventhookError(
        'EH_INTERNAL',
        {},
        { cause: new Error(`unknown sandbox result code ${coded[0]}`) },
      );
  }
}

function decodeFilter(coded: string): boolean {
  if (coded === 't') return true;
  if (coded === 'f') return false;
  throw output(`filter must return true or false, got ${coded.startsWith('x') ? coded.slice(1) : coded}`);
}

function checkLimits(limits: SandboxLimits): void {
  const ok =
    Number.isFinite(limits.cpuMs) &&
    limits.cpuMs > 0 &&
    limits.cpuMs <= 60_000 &&
    Number.isInteger(limits.memoryBytes) &&
    limits.memoryBytes >= 1024 * 1024 &&
    limits.memoryBytes <= 1024 * 1024 * 1024;
  if (!ok) {
    throw new EventhookError('EH_CONFIG_INVALID', {
      message: `sandbox limits need 0 < cpuMs <= 60000 and 1 MiB <= memoryBytes <= 1 GiB, got ${JSON.stringify(limits)}`,
    });
  }
}

function invalid(path: string, reason: string): EventhookError {
  return new EventhookError('EH_SCRIPT_INVALID', { path, reason }, { issues: [{ path, message: reason }] });
}

function output(reason: string): EventhookError {
  return new EventhookError('EH_SCRIPT_OUTPUT', { reason });
}
