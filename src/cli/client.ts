// The HTTP client the commands share: JSON over fetch with the API key, org-scoped paths, and server errors
// (RFC 9457 problem+json) turned into CliErrors that keep the detail, the code and every field error.
import { issueLabel, type FieldIssue } from '../core/errors.js';
import { CliError } from './cli-error.js';

/** Where the server is and who we are; from --url/--key/--org or EVENTHOOK_URL/EVENTHOOK_KEY/EVENTHOOK_ORG. */
export interface Connection {
  readonly url: string;
  readonly key: string | undefined;
  readonly org: string;
  /**
   * How the command names the request's top-level fields, by field name: `expiresAt` → `--expires-at`, `name` →
   * `<name>`. A field error the server reports at `/expiresAt` is shown as the option the user typed.
   */
  readonly names?: ReadonlyMap<string, string>;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (e.g. a signed webhook body); give its content type in `headers`. */
  body?: string;
  headers?: Record<string, string>;
  /** Management routes need the key; ingest routes must not get it. Default true. */
  auth?: boolean;
  /** Statuses returned rather than thrown (e.g. 404 for "does the stream exist?"). */
  accept?: readonly number[];
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** An RFC 9457 problem as Eventhook writes it. */
export interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: FieldIssue[];
}

export class ApiClient {
  readonly baseUrl: string;

  constructor(readonly connection: Connection) {
    this.baseUrl = connection.url.replace(/\/+$/, '');
    const protocol = URL.canParse(this.baseUrl) ? new URL(this.baseUrl).protocol : undefined;
    if (protocol !== 'http:' && protocol !== 'https:')
      throw new CliError(
        `--url (or EVENTHOOK_URL) must be an http(s) URL such as http://localhost:8080, not "${connection.url}"`,
      );
  }

  /** `/sources` → `/api/orgs/{org}/eventhook/sources`. */
  orgPath(path: string): string {
    return this.orgRoot(`/eventhook${path}`);
  }

  /** The org's own routes beside /eventhook (a key is the org's): `/me` → `/api/orgs/{org}/me`. */
  orgRoot(path: string): string {
    return `/api/orgs/${encodeURIComponent(this.connection.org)}${path}`;
  }

  url(path: string, query: Query = {}): string {
    const u = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  /** Opens a request and returns the raw response (for streams); errors as in `request`. */
  async open(
    method: string,
    path: string,
    opts: RequestOptions & { signal?: AbortSignal } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.auth !== false && this.connection.key) headers.authorization = `Bearer ${this.connection.key}`;
    let body: string | undefined = opts.body;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    const target = this.url(path, opts.query);
    let res: Response;
    try {
      res = await fetch(target, { method, headers, body, signal: opts.signal });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `cannot reach ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
        ['Is the server running? Set --url or EVENTHOOK_URL.'],
      );
    }
    if (res.ok || opts.accept?.includes(res.status)) return res;
    throw await problemError(method, path, res, this.connection.names);
  }

  async request<T = unknown>(
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const res = await this.open(method, path, opts);
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: parseMaybeJson(text) as T };
  }

  get<T = unknown>(path: string, query?: Query, opts: Omit<RequestOptions, 'query'> = {}): Promise<T> {
    return this.request<T>('GET', this.orgPath(path), { ...opts, query }).then((r) => r.body);
  }
  post<T = unknown>(path: string, json: unknown = {}): Promise<T> {
    return this.request<T>('POST', this.orgPath(path), { json }).then((r) => r.body);
  }
  /** With `version` (the updatedAt read), only if nobody changed it since (412 EH_VERSION_MISMATCH otherwise). */
  patch<T = unknown>(path: string, json: unknown, version?: string): Promise<T> {
    return this.request<T>('PATCH', this.orgPath(path), { json, headers: ifMatch(version) }).then(
      (r) => r.body,
    );
  }
  async delete(path: string, version?: string): Promise<void> {
    await this.request('DELETE', this.orgPath(path), { headers: ifMatch(version) });
  }
}

/** The API's ETag of a version is its updatedAt in epoch milliseconds, quoted. */
function ifMatch(version: string | undefined): Record<string, string> {
  return version === undefined ? {} : { 'if-match': `"${Date.parse(version)}"` };
}

export function parseMaybeJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Problems whose server wording names HTTP, where a CLI user needs the option or variable to use instead. */
const CLI_WORDING: Readonly<Record<string, string>> = {
  EH_AUTH_MISSING:
    'no API key: give --key <key> or set EVENTHOOK_KEY (an API key of the org, or the operator token)',
};

/** A failed answer as a CliError: the problem's detail and code on the first line, field errors below. */
export async function problemError(
  method: string,
  path: string,
  res: Response,
  names?: ReadonlyMap<string, string>,
): Promise<CliError> {
  const body = parseMaybeJson(await res.text());
  const problem = typeof body === 'object' && body !== null ? (body as Problem) : undefined;
  const where = `${method} ${path}`;
  if (!problem?.detail && !problem?.code) {
    const text = typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : '';
    return new CliError(`${where} answered ${res.status} ${res.statusText}${text}`);
  }
  const issues = problem.errors ?? [];
  // As the server words them (its detail repeats these), and as the command's user knows the fields.
  const asSent = issues.map((e) => `${issueLabel(e)}: ${e.message}`);
  let fields = issues.map((e) => `${optionLabel(e, names) ?? issueLabel(e)}: ${e.message}`);
  const hint = problem.code === undefined ? undefined : CLI_WORDING[problem.code];
  let message = hint ?? problem.detail ?? problem.title ?? '';
  // A detail that only lists the field errors says nothing above them: one is the headline, several are counted.
  if (hint === undefined && fields.length > 0 && (!problem.detail || problem.detail === asSent.join('; '))) {
    message = fields.length === 1 ? fields[0]! : `${fields.length} fields are not valid`;
    if (fields.length === 1) fields = [];
  } else if (fields.length === 1 && message.includes(asSent[0]!)) {
    message = message.replace(asSent[0]!, fields[0]!);
    fields = [];
  }
  return new ProblemError(`${message} [${problem.code ?? res.status}]`, fields, problem, res.status);
}

/**
 * The option or argument a field error is about, when the command sent that field from one: a top-level body or
 * query field (`/expiresAt`, `/types/1`), not one nested in a value the user wrote (`/data/type`).
 */
function optionLabel(issue: FieldIssue, names: ReadonlyMap<string, string> | undefined): string | undefined {
  if (!names || (issue.in !== undefined && issue.in !== 'body' && issue.in !== 'query')) return undefined;
  const m = /^\/([^/]+)(\/\d+)?$/.exec(issue.path);
  return m ? names.get(m[1]!) : undefined;
}

/** A CliError that still knows the server's problem (callers branch on `code`, never on the text). */
export class ProblemError extends CliError {
  constructor(
    message: string,
    details: readonly string[],
    readonly problem: Problem,
    readonly status: number,
  ) {
    super(message, details);
  }

  override withPrefix(prefix: string): ProblemError {
    return new ProblemError(`${prefix}${this.message}`, this.details, this.problem, this.status);
  }
}
