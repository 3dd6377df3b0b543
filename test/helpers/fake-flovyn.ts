// A small Flovyn server on loopback that follows the REST contract in reference/flovyn.md §1: Bearer auth, workflow
// and task executions with idempotency keys (201 new, 200 the existing one; a task key reused for another kind is
// 409; an input over 1 MiB is 413), promises settled by `id:{uuid}` or `key:{key}` (anything else 400, unknown 404, a repeat is
// `alreadyResolved`), and `{"error": …}` bodies. Tests can make the next answers fail or stall.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** The body as sent, for what parsing it would change (integers beyond 2^53). */
  text: string;
}

export interface Execution {
  id: string;
  kind: string;
  queue: string;
  input: unknown;
  metadata: Record<string, string>;
  maxRetries?: number;
}

interface PromiseState {
  id: string;
  key?: string;
  status: 'PENDING' | 'RESOLVED' | 'REJECTED';
  value?: unknown;
  error?: string;
}

interface Fault {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TTL = /^(\d+)(s|m|h|d)$/;
const TTL_UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

export class FakeFlovyn {
  readonly calls: RecordedCall[] = [];
  readonly workflows = new Map<string, Execution>();
  readonly tasks = new Map<string, Execution>();
  readonly promises = new Map<string, PromiseState>();
  private readonly workflowKeys = new Map<string, string>();
  private readonly taskKeys = new Map<string, string>();
  private readonly faults: Fault[] = [];
  private server!: Server;
  url = '';
  /**
   * How long the answer to a start that made a new workflow waits, its key already registered (Flovyn claims the key,
   * then answers): a concurrent start with the same key is answered first, with this execution.
   */
  createdAnswerDelayMs = 0;
  /** Called with each new workflow execution (a test can publish its lifecycle events). */
  onWorkflowStarted: (execution: Execution) => void = () => {};

  constructor(
    public token: string,
    /** Org slugs that exist; any other is 404. */
    readonly orgs: readonly string[],
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The environment of an app whose engine is this server (a short timeout, so a test's failures come soon). */
  engineEnv(): Record<string, string> {
    return {
      EVENTHOOK_ENGINE: 'flovyn',
      EVENTHOOK_FLOVYN_URL: this.url,
      EVENTHOOK_FLOVYN_TOKEN: this.token,
      EVENTHOOK_FLOVYN_TIMEOUT: '2s',
    };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** The next `count` requests (after auth) get this answer instead. */
  failNext(count: number, fault: Fault): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  /** A promise a workflow registered, as Flovyn would hold it. */
  createPromise(key?: string): PromiseState {
    const p: PromiseState = { id: randomUUID(), status: 'PENDING', ...(key !== undefined ? { key } : {}) };
    this.promises.set(p.id, p);
    return p;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      return send(res, 400, { error: 'Invalid JSON body' });
    }
    // The raw path: Flovyn's router decodes each segment itself.
    const path = req.url ?? '';
    this.calls.push({ method: req.method ?? '', path, headers: req.headers, body, text });
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return send(res, 401, { error: 'Unauthorized' });
    const fault = this.faults.shift();
    if (fault) {
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (res.destroyed) return;
      return send(res, fault.status, fault.body ?? { error: `injected ${fault.status}` }, fault.headers);
    }
    const m = /^\/api\/orgs\/([^/]+)\/(.+)$/.exec(path);
    if (!m || req.method !== 'POST') return send(res, 404, { error: 'Not found' });
    const org = decodeURIComponent(m[1]!);
    if (!this.orgs.includes(org)) return send(res, 404, { error: `Organization ${org} not found` });
    const rest = m[2]!;
    if (rest === 'workflow-executions') return this.startWorkflow(res, body);
    if (rest === 'task-executions') return this.createTask(res, body);
    const p = /^promises\/([^/]+)\/(resolve|reject)$/.exec(rest);
    if (p) return this.settle(res, decodeURIComponent(p[1]!), p[2] as 'resolve' | 'reject', body);
    return send(res, 404, { error: 'Not found' });
  }

  private common(res: ServerResponse, body: Record<string, unknown>): Execution | undefined {
    const { kind, queue = 'default', metadata = {}, idempotencyKey } = body;
    if (typeof kind !== 'string' || kind === '') return void send(res, 400, { error: 'kind is required' });
    if (typeof queue !== 'string' || queue.length > 100)
      return void send(res, 400, { error: 'queue must be at most 100 characters' });
    if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || idempotencyKey.length > 255))
      return void send(res, 400, { error: 'idempotencyKey must be at most 255 characters' });
    for (const name of ['idempotencyKeyTTL', 'idempotencyKeyTtl']) {
      const ttl = body[name];
      if (ttl === undefined) continue;
      const t = typeof ttl === 'string' ? TTL.exec(ttl) : null;
      const seconds = t ? Number(t[1]) * TTL_UNIT_S[t[2]!]! : 0;
      if (seconds < 1 || seconds > 30 * 86_400)
        return void send(res, 400, { error: `invalid TTL ${String(ttl)}` });
    }
    if (Buffer.byteLength(JSON.stringify(body.input ?? {})) > 1024 * 1024)
      return void send(res, 413, { error: 'input must be at most 1 MB' });
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
      return void send(res, 400, { error: 'metadata must be an object' });
    const entries = Object.entries(metadata);
    if (entries.length > 50) return void send(res, 400, { error: 'at most 50 metadata keys' });
    if (Buffer.byteLength(JSON.stringify(metadata)) > 64 * 1024)
      return void send(res, 400, { error: 'metadata must be at most 64 KB' });
    for (const [k, v] of entries) {
      if (k.startsWith('_flovyn_')) return void send(res, 400, { error: `reserved metadata key ${k}` });
      if (typeof v !== 'string') return void send(res, 400, { error: `metadata ${k} must be a string` });
    }
    return {
      id: randomUUID(),
      kind,
      queue,
      input: body.input ?? {},
      metadata: metadata as Record<string, string>,
    };
  }

  private async startWorkflow(res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    const e = this.common(res, body);
    if (!e) return;
    const key = body.idempotencyKey as string | undefined;
    const existing = key !== undefined ? this.workflowKeys.get(key) : undefined;
    if (existing !== undefined) {
      const w = this.workflows.get(existing)!;
      return send(res, 200, workflowAnswer(w, true, false));
    }
    this.workflows.set(e.id, e);
    if (key !== undefined) this.workflowKeys.set(key, e.id);
    if (this.createdAnswerDelayMs > 0) await new Promise((r) => setTimeout(r, this.createdAnswerDelayMs));
    send(res, 201, workflowAnswer(e, key !== undefined, true));
    this.onWorkflowStarted(e);
  }

  private createTask(res: ServerResponse, body: Record<string, unknown>): void {
    const e = this.common(res, body);
    if (!e) return;
    e.maxRetries = Math.min(10, Math.max(0, Number(body.maxRetries ?? 3)));
    const key = body.idempotencyKey as string | undefined;
    const existing = key !== undefined ? this.taskKeys.get(key) : undefined;
    if (existing !== undefined) {
      const t = this.tasks.get(existing)!;
      if (t.kind !== e.kind)
        return send(res, 409, { error: `idempotency key already used for a task of kind ${t.kind}` });
      return send(res, 200, taskAnswer(t));
    }
    this.tasks.set(e.id, e);
    if (key !== undefined) this.taskKeys.set(key, e.id);
    send(res, 201, taskAnswer(e));
  }

  private settle(
    res: ServerResponse,
    identifier: string,
    mode: 'resolve' | 'reject',
    body: Record<string, unknown>,
  ): void {
    let p: PromiseState | undefined;
    if (identifier.startsWith('id:')) {
      const id = identifier.slice(3);
      if (!UUID.test(id)) return send(res, 400, { error: `invalid promise id ${id}` });
      p = this.promises.get(id);
    } else if (identifier.startsWith('key:')) {
      const key = identifier.slice(4);
      p = [...this.promises.values()].find((x) => x.key === key);
    } else return send(res, 400, { error: 'promise identifier must start with id: or key:' });
    if (!p) return send(res, 404, { error: 'Promise not found' });
    if (p.status !== 'PENDING')
      return send(res, 200, { resolved: false, alreadyResolved: true, promiseId: p.id });
    if (mode === 'resolve') {
      p.status = 'RESOLVED';
      p.value = body.value;
    } else {
      p.status = 'REJECTED';
      p.error = String(body.error);
    }
    send(res, 200, { resolved: true, alreadyResolved: false, promiseId: p.id });
  }
}

function workflowAnswer(w: Execution, keyUsed: boolean, keyNew: boolean) {
  return {
    workflowExecutionId: w.id,
    status: 'PENDING',
    kind: w.kind,
    createdAt: new Date().toISOString(),
    links: { self: `/workflow-executions/${w.id}`, events: `/workflow-executions/${w.id}/events` },
    idempotencyKeyUsed: keyUsed,
    idempotencyKeyNew: keyNew,
  };
}

function taskAnswer(t: Execution) {
  return {
    id: t.id,
    kind: t.kind,
    status: 'PENDING',
    queue: t.queue,
    executionCount: 0,
    maxRetries: t.maxRetries,
    input: t.input,
    metadata: t.metadata,
    createdAt: new Date().toISOString(),
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
