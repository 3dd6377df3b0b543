// Carries out a plan against the server, in plan order, stopping at the first failure (apply is idempotent, so
// running it again after a fix continues where it stopped). Secrets a create generated are returned: they are
// shown only once.
import { ProblemError, type ApiClient } from '../client.js';
import { CliError } from '../cli-error.js';
import type { Change, Plan } from './plan.js';

export interface ChangeResult {
  readonly change: Change;
  /** Present when the server chose a secret for a new source or endpoint. */
  readonly generatedSecret?: string;
  /**
   * What the server said about a change it made all the same (a rule whose endpoint is paused), each at its line in
   * the file when it names a field.
   */
  readonly warnings?: readonly string[];
  /**
   * The write-only field (`secret` or `secrets`) re-sent to be rotated that the server already had as its current
   * secret, and so did not rotate.
   */
  readonly unchangedSecrets?: readonly string[];
}

/** The server's warnings start with the field's pointer (`/targets/1/endpoint: …`): located in the file instead. */
function located(change: Change, warnings: unknown): { warnings?: string[] } {
  if (!Array.isArray(warnings) || warnings.length === 0 || change.action === 'delete') return {};
  return {
    warnings: warnings.map((w: unknown) => {
      const text = String(w);
      const at = /^(\/\S*): /.exec(text);
      return at ? `${change.item.locate(at[1]!)}: ${text.slice(at[0].length)}` : text;
    }),
  };
}

export interface ExecuteOptions {
  /** How long a rotated secret's predecessors keep verifying (server default when undefined). */
  readonly graceSeconds?: number;
  readonly onResult?: (result: ChangeResult) => void;
}

export async function executePlan(
  client: ApiClient,
  plan: Plan,
  opts: ExecuteOptions = {},
): Promise<ChangeResult[]> {
  const results: ChangeResult[] = [];
  for (const change of plan.changes) {
    let result: ChangeResult;
    try {
      result = await executeChange(client, change, opts);
    } catch (err) {
      const where = change.action === 'delete' ? `${change.kind} ${change.key}` : change.item.where;
      const done =
        results.length === 0
          ? ''
          : ` (${results.length} earlier change${results.length === 1 ? '' : 's'} applied)`;
      const failed = `${where}: ${change.action} failed${done}`;
      if (err instanceof ProblemError && err.problem.code === 'EH_VERSION_MISMATCH')
        throw new CliError(
          `${failed}: it was changed on the server after this apply read it, and is left as changed [EH_VERSION_MISMATCH]`,
          ['Run apply again: it plans from what the server has now.'],
        );
      if (err instanceof ProblemError && err.problem.errors?.length && change.action !== 'delete') {
        // Each field the server refused, at its line in the file, rather than its API path under "Bad Request".
        const item = change.item;
        throw new CliError(
          `${failed} [${err.problem.code ?? err.status}]`,
          err.problem.errors.map((f) => `${item.locate(f.path)}: ${f.message}`),
        );
      }
      if (err instanceof CliError) throw err.withPrefix(`${failed}: `);
      throw err;
    }
    results.push(result);
    opts.onResult?.(result);
  }
  return results;
}

async function executeChange(client: ApiClient, change: Change, opts: ExecuteOptions): Promise<ChangeResult> {
  const path = `/${change.kind}/${encodeURIComponent(change.action === 'create' ? change.key : (change.ref ?? change.key))}`;
  switch (change.action) {
    case 'create': {
      // Sources answer a secret they chose as generatedSecret, endpoints as secret.
      const out = await client.post<{ generatedSecret?: string; secret?: string; warnings?: unknown }>(
        `/${change.kind}`,
        change.item.body,
      );
      const generated = out?.generatedSecret ?? out?.secret;
      return {
        change,
        ...(generated ? { generatedSecret: generated } : {}),
        ...located(change, out?.warnings),
      };
    }
    case 'delete':
      await client.delete(path, change.version);
      return { change };
    case 'update': {
      const { secret, secrets, ...resend } = change.rotate;
      // Credentials other than signing secrets (endpoint auth) are re-sent in the patch; signing secrets rotate,
      // so the previous one keeps working for the grace period. A list rotates to its first secret.
      const patch = { ...change.patch, ...resend };
      const out =
        Object.keys(patch).length > 0
          ? await client.patch<{ warnings?: unknown }>(path, patch, change.version)
          : undefined;
      const next = secret ?? (Array.isArray(secrets) ? secrets[0] : undefined);
      let unchanged = false;
      if (typeof next === 'string') {
        const rotated = await client.post<{ rotated?: boolean }>(`${path}/rotate-secret`, {
          secret: next,
          graceSeconds: opts.graceSeconds,
        });
        // An older server does not say: taken as rotated, as it was.
        unchanged = rotated?.rotated === false;
      }
      return {
        change,
        ...located(change, out?.warnings),
        ...(unchanged ? { unchangedSecrets: [secret !== undefined ? 'secret' : 'secrets'] } : {}),
      };
    }
  }
}
