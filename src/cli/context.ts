// What every client command starts from: the global options (connection and output format) as a client.
import type { Command } from 'commander';
import { ApiClient } from './client.js';
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

export function contextOf(cmd: Command): CommandContext {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  return { client: new ApiClient({ url: opts.url, key: opts.key, org: opts.org }), output: opts.output };
}

/**
 * The `source` of an event filter: a source given by slug or id, as its id; an envelope source (`app:checkout`, always
 * with its kind before a colon) as it is.
 */
export async function sourceFilterOf(client: ApiClient, ref: string): Promise<string> {
  if (ref.startsWith('src_') || ref.includes(':')) return ref;
  return (await client.get<{ id: string }>(`/sources/${encodeURIComponent(ref)}`)).id;
}

/** A rule given by name or id, as the id action filters need. */
export async function ruleIdOf(client: ApiClient, ref: string): Promise<string> {
  if (ref.startsWith('rule_')) return ref;
  return (await client.get<{ id: string }>(`/rules/${encodeURIComponent(ref)}`)).id;
}
