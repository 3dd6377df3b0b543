// `eventhook send <provider>`: builds the provider's sample webhook, signed with the source's secret exactly as the
// provider would sign it, posts it to the source's ingest URL and prints the answer — the quickest way to try a rule.
import { existsSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { parseMaybeJson, ProblemError, type Problem } from '../client.js';
import { contextOf } from '../context.js';
import { json, record, write } from '../output.js';
import { keyValue } from './parse.js';

interface SendOptions {
  source?: string;
  secret?: string;
  body?: string;
  option?: Record<string, unknown>;
}

interface SourceOut {
  slug: string;
  provider: string | null;
  verifier: { type: string; jwksUrl?: string };
  options?: Record<string, unknown>;
  ingestUrl: string;
}

export function sendCommand(): Command {
  return new Command('send')
    .description(
      "Sign a provider's sample webhook with the source's secret and post it to the source's ingest URL",
    )
    .argument(
      '<provider>',
      'provider template id (github, stripe, slack, …; `eventhook list providers` lists them)',
    )
    .option('-s, --source <slug>', 'the source to send to (default: a source named like the provider)')
    .option(
      '--secret <secret>',
      "the source's secret (the server never returns it); for public-key providers the private key (PEM)",
    )
    .option(
      '--body <json|file>',
      "send this body instead of the sample's, re-signed (JSON text, or a file path, optionally @path)",
    )
    .option(
      '--option <key=value>',
      'provider option for the sample, repeatable (default: the source’s options)',
      keyValue,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  eventhook send github --secret my-webhook-secret\n  eventhook send stripe --source payments --secret whsec_… --body \'{"type":"invoice.paid","data":{"object":{}}}\'',
    )
    .action(async (providerId: string, opts: SendOptions, cmd: Command) => {
      const ctx = contextOf(cmd);
      const { getProvider, GOOGLE_CERTS_URL, providerVerifierConfig } =
        await import('../../ingest/providers/index.js');
      const { secretFieldOf } = await import('../../ingest/verifiers/index.js');
      const provider = getProvider(providerId);
      if (!provider)
        throw new CliError(`unknown provider "${providerId}"`, ['`eventhook list providers` lists them.']);
      const slug = opts.source ?? providerId;
      const source = await ctx.client
        .get<SourceOut>(`/sources/${encodeURIComponent(slug)}`)
        .catch((err: unknown) => {
          // Not found by the provider's name: the source may well exist under a slug of its own.
          if (
            opts.source === undefined &&
            err instanceof ProblemError &&
            err.problem.code === 'EH_SOURCE_NOT_FOUND'
          )
            throw new CliError(err.message, [
              ...err.details,
              'send posts to the source named like the provider unless --source <slug> names another (eventhook list sources).',
            ]);
          throw err;
        });
      if (source.provider !== providerId) {
        throw new CliError(`source ${slug} uses provider ${source.provider ?? 'custom'}, not ${providerId}`);
      }
      const options = { ...source.options, ...opts.option };
      // A source with no secret of its own checks tokens against a published key set (Google Pub/Sub push).
      const keySet = source.verifier.jwksUrl;
      if (keySet === GOOGLE_CERTS_URL) {
        throw new CliError(
          `source ${slug} takes only tokens Google signs (its key set is ${keySet}), which send cannot make`,
          [
            'To try the source with send, set its options.jwksUrl to a key set of your own and give --secret the private key (PEM) of one of its keys; or publish an event with `eventhook publish`.',
          ],
        );
      }
      if (keySet !== undefined && !opts.secret) {
        throw new CliError(
          `--secret is required: source ${slug} checks tokens against the key set at ${keySet}; give the private key (PEM) of one of its keys`,
        );
      }
      const needsSecret = secretFieldOf(source.verifier.type as never) !== null;
      if (needsSecret && !opts.secret) {
        throw new CliError(
          `--secret is required: source ${slug} verifies with a ${source.verifier.type} secret, which the server never returns`,
        );
      }
      const secret = opts.secret ?? '';
      const now = Date.now();
      let sample = provider.sample({ secret, url: source.ingestUrl, now, options });
      if (opts.body !== undefined) {
        const { resignSample } = await import('../send/resign.js');
        const config = providerVerifierConfig(providerId, options);
        sample = await resignSample({
          provider: providerId,
          sample,
          body: readBody(opts.body),
          config,
          secret,
          url: source.ingestUrl,
          now,
        });
      }
      // Signed for the public ingest URL, delivered through --url (they differ behind a proxy). A public URL under a
      // path (https://example.com/eventhook, the proxy stripping /eventhook) is not the server's: its own path starts
      // at /api/orgs/.
      const target = new URL(source.ingestUrl);
      const serverPath = target.pathname.slice(Math.max(0, target.pathname.lastIndexOf('/api/orgs/')));
      const res = await ctx.client.request(sample.method, serverPath + target.search, {
        body: sample.body,
        headers: { 'content-type': sample.contentType, ...sample.headers },
        auth: false,
        accept: [400, 401, 403, 404, 409, 413, 415, 429, 431],
      });
      if (res.status >= 400) throw refusal(slug, res.status, res.body);
      write(
        ctx.output === 'json' ? json({ status: res.status, body: res.body }) : answer(res.status, res.body),
      );
    });
}

/** The source's answer as `key: value` lines: its status, then its JSON fields (or its body as text). */
function answer(status: number, body: unknown): string {
  if (typeof body === 'object' && body !== null && !Array.isArray(body))
    return record({ status, ...(body as Record<string, unknown>) });
  return record(body === null ? { status } : { status, body });
}

/** A refused webhook as the one-line failure every command prints: the status, the reason and its code. */
function refusal(slug: string, status: number, body: unknown): CliError {
  const problem = typeof body === 'object' && body !== null ? (body as Problem) : undefined;
  const reason =
    problem?.detail ?? problem?.title ?? (typeof body === 'string' && body ? body.slice(0, 200) : undefined);
  return new CliError(
    `source ${slug} answered ${status}${reason ? `: ${reason}` : ''}${problem?.code ? ` [${problem.code}]` : ''}`,
    (problem?.errors ?? []).map((e) => `${e.path}: ${e.message}`),
  );
}

/** `--body`: inline JSON, or a file (`@path` or a path that exists). */
function readBody(value: string): string {
  const trimmed = value.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    if (typeof parseMaybeJson(value) === 'string') throw new CliError('--body is not valid JSON');
    return value;
  }
  const path = value.startsWith('@') ? value.slice(1) : value;
  if (!existsSync(path)) throw new CliError(`--body: no such file ${path} (inline bodies must be JSON)`);
  return readFileSync(path, 'utf8');
}
