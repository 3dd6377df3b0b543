// What every client command starts from: the global options (connection and output format) as a client.
import type { Command } from 'commander';
import { ApiClient, ProblemError } from './client.js';
import type { OutputFormat } from './output.js';

export interface GlobalOptions {
  url: string;
  key?: string;
  org: string;
  output: OutputFormat;
}

export interface CommandContext {
  readonly client: ApiClient;
  readonly output: OutputFormat;
}

/** `fields`: request fields the command fills from an option of another name (`eventTypes` from `--types`). */
export function contextOf(cmd: Command, fields: Readonly<Record<string, string>> = {}): CommandContext {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  return {
    client: new ApiClient({ url: opts.url, key: opts.key, org: opts.org, names: namesOf(cmd, fields) }),
    output: opts.output,
  };
}

/** The command's own options and arguments, by the field name they fill (`--expires-at` fills `expiresAt`). */
function namesOf(cmd: Command, fields: Readonly<Record<string, string>>): Map<string, string> {
  const names = new Map<string, string>(Object.entries(fields));
  for (const a of cmd.registeredArguments) names.set(a.name(), `<${a.name()}>`);
  for (const o of cmd.options) if (o.long) names.set(o.attributeName(), o.long);
  return names;
}

/**
 * A rule given by name or id, as its id. The API resolves names and refuses unknown rules itself now; looking the
 * rule up here as well keeps the refusal to one line and works against a server from before that, which answered an
 * unknown rule with no actions (read as "nothing failed" rather than "no such rule"). A deleted rule's name is
 * passed on as given: the API's own refusal names the rule's id to use, which the lookup's 404 cannot.
 */
export async function ruleIdOf(client: ApiClient, ref: string): Promise<string> {
  const live = await liveOrDeleted<{ id: string }>(client, 'rules', 'name', ref, 'EH_RULE_NOT_FOUND');
  return live?.id ?? ref;
}

/**
 * An endpoint slug for action filters, checked for the same reason as `ruleIdOf`. A deleted endpoint keeps its
 * actions (its dead-letter queue can still be listed), so its slug is accepted too.
 */
export async function endpointSlugOf(client: ApiClient, slug: string): Promise<string> {
  await liveOrDeleted(client, 'endpoints', 'slug', slug, 'EH_ENDPOINT_NOT_FOUND');
  return slug;
}

/**
 * The live resource of `collection` that `ref` names; undefined when only a deleted one has `ref` as its `field`
 * (its actions remain); otherwise the lookup's own refusal.
 */
async function liveOrDeleted<T>(
  client: ApiClient,
  collection: 'rules' | 'endpoints',
  field: 'name' | 'slug',
  ref: string,
  notFound: string,
): Promise<T | undefined> {
  try {
    return await client.get<T>(`/${collection}/${encodeURIComponent(ref)}`);
  } catch (err) {
    if (!(err instanceof ProblemError && err.problem.code === notFound)) throw err;
    const all = await client.get<{ items: Record<string, unknown>[] }>(`/${collection}`, {
      includeDeleted: true,
    });
    if (all.items.some((item) => item[field] === ref)) return undefined;
    throw err;
  }
}
