// One user function in its own QuickJS runtime and context, kept between calls and rebuilt after a timeout or
// an out-of-memory error (which may leave the runtime inconsistent). Calls are synchronous and bounded by the
// CPU deadline and the memory limit.
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten';
import { EventhookError } from '../../core/errors.js';
import { CHECK_GLOBAL, PROBE, prelude, wrapScript } from './prelude.js';

/** Per-call limits. CPU time is measured as the wall time of the synchronous call, which runs on one thread. */
export interface SandboxLimits {
  readonly cpuMs: number;
  readonly memoryBytes: number;
}

export const DEFAULT_LIMITS: SandboxLimits = Object.freeze({ cpuMs: 50, memoryBytes: 32 * 1024 * 1024 });

/** Native stack for the interpreter: deep recursion fails with "stack overflow" long before the wasm stack. */
const MAX_STACK_BYTES = 256 * 1024;
const MAX_REASON_CHARS = 500;
const SOURCE_FILE = 'script.js';

export type FunctionKind = 'transform' | 'filter';

/** Live QuickJS objects for one function; all disposed together. */
interface Live {
  readonly runtime: QuickJSRuntime;
  readonly context: QuickJSContext;
  readonly run: QuickJSHandle;
  readonly factory: QuickJSHandle;
}

/** How a call or load failed, before it becomes an EventhookError. */
export type Failure =
  | { readonly kind: 'timeout' }
  | { readonly kind: 'memory' }
  | { readonly kind: 'error'; readonly reason: string };

export class SandboxedFunction {
  private live: Live | undefined;
  private deadline = Infinity;
  private interrupted = false;
  private disposed = false;

  constructor(
    private readonly module: QuickJSWASMModule,
    private readonly source: string,
    readonly kind: FunctionKind,
    readonly limits: SandboxLimits,
  ) {}

  /** Runs the function on `inputJson` and returns the runner's coded string (see prelude.ts). */
  call(inputJson: string): string {
    const live = this.ensure();
    const input = live.context.newString(inputJson);
    return this.bounded(
      live,
      () => live.context.callFunction(live.run, live.context.undefined, live.factory, input),
      [input],
    );
  }

  /** Save-time check: runs the script's top level and reports whether `kind` names a function. */
  probe(): string {
    const live = this.ensure();
    const probe = live.context.evalCode(PROBE, 'probe.js');
    if (probe.error) {
      const reason = this.describe(live.context, probe.error);
      probe.error.dispose();
      throw new Error(`sandbox probe failed to load: ${reason}`);
    }
    return this.bounded(
      live,
      () => live.context.callFunction(probe.value, live.context.undefined, live.factory),
      [probe.value],
    );
  }

  /** Frees the runtime; the function can no longer be called. Safe to call twice. */
  dispose(): void {
    this.disposed = true;
    this.reset();
  }

  /** Runs `invoke` under the deadline, turning every way it can fail into a thrown Failure. */
  private bounded(
    live: Live,
    invoke: () => ReturnType<QuickJSContext['callFunction']>,
    handles: QuickJSHandle[],
  ): string {
    this.interrupted = false;
    this.deadline = performance.now() + this.limits.cpuMs;
    let result: ReturnType<QuickJSContext['callFunction']> | undefined;
    try {
      result = invoke();
      // Promise jobs a script queued would pile up in the kept runtime: run them, still under the deadline.
      if (!this.interrupted && live.runtime.hasPendingJob()) {
        const jobs = live.runtime.executePendingJobs();
        if (jobs.error) jobs.error.dispose();
      }
    } catch (err) {
      // A host-side failure inside the wasm module (e.g. it could not allocate): the runtime is suspect.
      this.deadline = Infinity;
      for (const h of handles) if (h.alive) h.dispose();
      if (result !== undefined) (result.error ?? result.value).dispose();
      this.reset();
      throw failure(
        /memory/i.test(String(err)) ? { kind: 'memory' } : { kind: 'error', reason: String(err) },
      );
    }
    this.deadline = Infinity;
    for (const h of handles) if (h.alive) h.dispose();
    if (result.error) {
      const reason = this.describe(live.context, result.error);
      result.error.dispose();
      if (this.interrupted) {
        this.reset();
        throw failure({ kind: 'timeout' });
      }
      if (/^InternalError: out of memory/.test(reason)) {
        this.reset();
        throw failure({ kind: 'memory' });
      }
      throw failure({ kind: 'error', reason });
    }
    const text = live.context.getString(result.value);
    result.value.dispose();
    if (this.interrupted) {
      // The user code caught the deadline error and returned anyway: the call still took too long.
      this.reset();
      throw failure({ kind: 'timeout' });
    }
    return text;
  }

  private ensure(): Live {
    if (this.disposed) throw new Error('this compiled script was disposed');
    this.live ??= this.build();
    return this.live;
  }

  private build(): Live {
    const runtime = this.module.newRuntime();
    runtime.setMemoryLimit(this.limits.memoryBytes);
    runtime.setMaxStackSize(MAX_STACK_BYTES);
    runtime.setInterruptHandler(() => this.overDeadline());
    const context = runtime.newContext();
    const handles: QuickJSHandle[] = [];
    try {
      const check = context.newFunction(CHECK_GLOBAL, () => {
        if (this.overDeadline())
          return { error: context.newError({ name: 'InternalError', message: 'interrupted' }) };
      });
      context.setProp(context.global, CHECK_GLOBAL, check);
      check.dispose();
      this.deadline = performance.now() + this.limits.cpuMs * 10; // freezing the intrinsics takes a few ms
      // Compiling the bare source first reports syntax errors at the user's own line numbers, and rejects
      // sources that would only parse inside the wrapper (an unbalanced "})" or a top-level return).
      this.evaluate(context, this.source, SOURCE_FILE, { compileOnly: true }).dispose();
      const run = this.evaluate(context, prelude(this.kind), 'prelude.js');
      handles.push(run);
      const factory = this.evaluate(context, wrapScript(this.source, this.kind), `${this.kind}.js`);
      handles.push(factory);
      this.deadline = Infinity;
      return { runtime, context, run, factory };
    } catch (err) {
      this.deadline = Infinity;
      for (const h of handles) h.dispose();
      context.dispose();
      runtime.dispose();
      throw err;
    }
  }

  private evaluate(
    context: QuickJSContext,
    code: string,
    filename: string,
    options: { compileOnly?: boolean } = {},
  ): QuickJSHandle {
    const result = context.evalCode(code, filename, options);
    if (result.error) {
      const reason = this.describe(context, result.error, filename);
      result.error.dispose();
      throw failure(
        /^InternalError: out of memory/.test(reason) ? { kind: 'memory' } : { kind: 'error', reason },
      );
    }
    return result.value;
  }

  private overDeadline(): boolean {
    if (performance.now() <= this.deadline) return false;
    this.interrupted = true;
    return true;
  }

  /** A short, safe description of a thrown value, with line numbers mapped back to the user's source. */
  private describe(context: QuickJSContext, error: QuickJSHandle, filename = `${this.kind}.js`): string {
    let dumped: unknown;
    try {
      dumped = context.dump(error);
    } catch {
      return 'the script threw a value that could not be read';
    }
    // The wrapper puts one line before the user's source; the bare source compiled for the syntax check has none.
    const lineOffset = filename === SOURCE_FILE ? 0 : 1;
    return describeThrown(dumped, filename, lineOffset).slice(0, MAX_REASON_CHARS);
  }

  private reset(): void {
    const live = this.live;
    this.live = undefined;
    if (live === undefined) return;
    try {
      live.run.dispose();
      live.factory.dispose();
      live.context.dispose();
      live.runtime.dispose();
    } catch {
      // A runtime that ran out of memory may fail to free cleanly; dropping it is all we can do.
    }
  }
}

/** Thrown inside this module only; the script layer turns it into the right EventhookError. */
export class SandboxFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.kind === 'error' ? failure.reason : failure.kind);
  }
}

function failure(f: Failure): SandboxFailure {
  return new SandboxFailure(f);
}

/** `TypeError: x is not a function (line 3, column 9)`, from QuickJS's dump of an error. */
export function describeThrown(dumped: unknown, filename: string, lineOffset: number): string {
  if (dumped === null || typeof dumped !== 'object')
    return `uncaught ${JSON.stringify(dumped) ?? String(dumped)}`;
  const error = dumped as { name?: unknown; message?: unknown; stack?: unknown };
  const parts = [error.name, error.message].filter((p) => typeof p === 'string' && p !== '');
  if (parts.length === 0) return `uncaught ${JSON.stringify(dumped)}`;
  const head = parts.join(': ');
  const at =
    typeof error.stack === 'string'
      ? new RegExp(`${escapeRegExp(filename)}:(\\d+):(\\d+)`).exec(error.stack)
      : null;
  if (!at) return head;
  return `${head} (line ${Number(at[1]) - lineOffset}, column ${at[2]})`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function errorForFailure(f: Failure, limits: SandboxLimits): EventhookError {
  if (f.kind === 'timeout') return new EventhookError('EH_SCRIPT_TIMEOUT', { limitMs: limits.cpuMs });
  if (f.kind === 'memory') return new EventhookError('EH_SCRIPT_MEMORY', { limitBytes: limits.memoryBytes });
  return new EventhookError('EH_SCRIPT_ERROR', { reason: f.reason });
}
