// A tiny worker client for the local engine (SPEC §7): claims workflow or task executions over HTTP, runs a
// handler, completes or fails them, and keeps the lease alive while the handler runs. Uses only fetch.

export interface WorkerClientOptions {
  /** Eventhook base URL, e.g. http://localhost:8080. */
  url: string;
  org: string;
  /** An API key with the worker (or admin) role. */
  key: string;
  workerId?: string;
}

export interface Execution<I = unknown> {
  id: string;
  kind: string;
  queue: string;
  input: I;
  metadata: Record<string, string>;
  /** The causing event's correlation id (its own, else its id); null for executions made before it was kept. */
  correlationId?: string | null;
  /** The causing event's W3C traceparent, when it had one: a handler's own calls can continue the trace. */
  traceparent?: string | null;
}

export type ExecutionKind = 'workflow' | 'task';

/** What `run` gives a handler besides the execution. */
export interface HandlerContext {
  /**
   * Aborts (its reason an ExecutionCancelledError) when the execution was cancelled while the handler ran, as the
   * next heartbeat learns: the result is no longer wanted, so a handler should stop, e.g. by passing it to fetch.
   * Whatever the handler then returns or throws is dropped.
   */
  signal: AbortSignal;
  /**
   * Creates a promise (optionally with a key such as `stripe:pi_123`) and returns its id; in a workflow's handler,
   * a promise of that workflow, so it is rejected should the workflow end (completed, failed, cancelled) first.
   */
  createPromise(key?: string): Promise<string>;
}

/**
 * The server's answer to a heartbeat, complete or fail of an execution that was cancelled (EH_ENGINE_CANCELLED): the
 * worker should stop working on it; nothing it reports is kept.
 */
export class ExecutionCancelledError extends Error {
  readonly code = 'EH_ENGINE_CANCELLED';
  override readonly name = 'ExecutionCancelledError';
}

export interface RunOptions<I, O> {
  kind: ExecutionKind;
  /** Kinds this worker handles; all when empty. */
  kinds?: string[];
  queue?: string;
  leaseMs?: number;
  /** Long-poll wait per claim. */
  waitMs?: number;
  handler: (execution: Execution<I>, context: HandlerContext) => Promise<O>;
  signal?: AbortSignal;
}

export class WorkerClient {
  readonly workerId: string;
  private readonly base: string;

  constructor(private readonly options: WorkerClientOptions) {
    this.workerId = options.workerId ?? `worker-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    this.base = `${options.url.replace(/\/+$/, '')}/api/orgs/${encodeURIComponent(options.org)}/eventhook/engine`;
  }

  /** Claims one execution, or undefined when none arrived within waitMs. */
  async claim<I>(
    kind: ExecutionKind,
    opts: { kinds?: string[]; queue?: string; leaseMs?: number; waitMs?: number } = {},
  ): Promise<Execution<I> | undefined> {
    const res = await this.call('POST', `/${kind}s/claim`, { workerId: this.workerId, ...opts });
    return res.status === 204 ? undefined : ((await res.json()) as Execution<I>);
  }

  async complete(kind: ExecutionKind, id: string, output: unknown): Promise<void> {
    await this.call('POST', `/${kind}s/${id}/complete`, { workerId: this.workerId, output });
  }

  async fail(kind: ExecutionKind, id: string, error: string): Promise<void> {
    await this.call('POST', `/${kind}s/${id}/fail`, { workerId: this.workerId, error });
  }

  async heartbeat(kind: ExecutionKind, id: string, leaseMs: number): Promise<void> {
    await this.call('POST', `/${kind}s/${id}/heartbeat`, { workerId: this.workerId, leaseMs });
  }

  /**
   * Creates a promise (optionally with a key such as `stripe:pi_123`) and returns its id. `workflowId` makes it that
   * workflow's (a handler's context does so itself): the workflow must be pending or running, and its end rejects it.
   */
  async createPromise(key?: string, opts: { workflowId?: string } = {}): Promise<string> {
    const res = await this.call('POST', '/promises', {
      ...(key ? { key } : {}),
      ...(opts.workflowId ? { workflowId: opts.workflowId } : {}),
    });
    return ((await res.json()) as { id: string }).id;
  }

  /** Waits until the promise settles; resolves with its value, rejects with its error. */
  async awaitPromise<T = unknown>(idOrKey: string, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const wait = Math.max(0, Math.min(30_000, deadline - Date.now()));
      const res = await this.call('GET', `/promises/${encodeURIComponent(idOrKey)}/await?timeoutMs=${wait}`);
      const p = (await res.json()) as { status: string; value: T; error: string | null };
      if (p.status === 'resolved') return p.value;
      if (p.status === 'rejected') throw new Error(p.error ?? 'rejected');
      if (Date.now() >= deadline) throw new Error(`promise ${idOrKey} did not settle within ${timeoutMs} ms`);
    }
  }

  /**
   * Claims and handles executions until the signal aborts. An execution cancelled meanwhile is dropped, not failed:
   * its handler's signal aborts at the next heartbeat, and a completion or failure the server refuses as cancelled
   * is no error of the run.
   */
  async run<I, O>(opts: RunOptions<I, O>): Promise<void> {
    const leaseMs = opts.leaseMs ?? 60_000;
    while (!opts.signal?.aborted) {
      const execution = await this.claim<I>(opts.kind, {
        kinds: opts.kinds,
        queue: opts.queue,
        leaseMs,
        waitMs: opts.waitMs ?? 20_000,
      });
      if (!execution) continue;
      const cancelled = new AbortController();
      // Other heartbeat failures are left to the next one: a lease lost for good shows at complete or fail.
      const beat = setInterval(
        () =>
          void this.heartbeat(opts.kind, execution.id, leaseMs).catch((err: unknown) => {
            if (err instanceof ExecutionCancelledError) cancelled.abort(err);
          }),
        leaseMs / 3,
      );
      try {
        await this.handle(opts, execution, cancelled.signal);
      } catch (err) {
        if (!(err instanceof ExecutionCancelledError)) throw err;
      } finally {
        clearInterval(beat);
      }
    }
  }

  /** Runs the handler on one execution and reports its outcome, unless it was cancelled meanwhile. */
  private async handle<I, O>(
    opts: RunOptions<I, O>,
    execution: Execution<I>,
    signal: AbortSignal,
  ): Promise<void> {
    let outcome: { output: O } | { error: unknown };
    try {
      const workflowId = opts.kind === 'workflow' ? execution.id : undefined;
      const createPromise = (key?: string) => this.createPromise(key, { workflowId });
      outcome = { output: await opts.handler(execution, { signal, createPromise }) };
    } catch (error) {
      outcome = { error };
    }
    if (signal.aborted) return;
    if ('output' in outcome) {
      try {
        await this.complete(opts.kind, execution.id, outcome.output ?? null);
        return;
      } catch (err) {
        // As before: a completion the server refused is reported as the execution's failure.
        if (err instanceof ExecutionCancelledError) throw err;
        outcome = { error: err };
      }
    }
    const { error } = outcome;
    await this.fail(opts.kind, execution.id, error instanceof Error ? error.message : String(error));
  }

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        authorization: `Bearer ${this.options.key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 400) {
      const problem = (await res.json().catch(() => ({}))) as { detail?: string; code?: string };
      if (problem.code === 'EH_ENGINE_CANCELLED')
        throw new ExecutionCancelledError(problem.detail ?? 'cancelled');
      throw new Error(
        `${method} ${path}: ${res.status} ${problem.code ?? ''} ${problem.detail ?? ''}`.trim(),
      );
    }
    return res;
  }
}
