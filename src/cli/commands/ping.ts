// `eventhook ping <endpoint>`: sends a signed test message to an endpoint now (POST /endpoints/{endpoint}/test) and
// prints what it answered — the quickest way to check a new endpoint, secret or credential. Nothing is recorded.
import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { contextOf } from '../context.js';
import { json, write } from '../output.js';
import { RESOURCES } from '../resources.js';
import { readJson } from './publish.js';

interface ProbeOut {
  ok: boolean;
  outcome: string;
  msgId: string;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  request: { url: string };
  response: { body: string; truncated: boolean } | null;
}

export function pingCommand(): Command {
  return new Command('ping')
    .description(
      'Send a signed test message to an endpoint now and print what it answered (nothing is recorded)',
    )
    .argument('<endpoint>', 'endpoint slug')
    .option('-t, --type <type>', 'the envelope type (default eventhook.test)')
    .option('--data <json|file>', "the envelope's data (JSON text, or a file path, optionally @path)")
    .addHelpText(
      'after',
      '\nExamples:\n  eventhook ping billing-app\n  eventhook ping billing-app --type order.created --data \'{"id":"ord_1"}\'',
    )
    .action(async (slug: string, opts: { type?: string; data?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const result = await ctx.client.post<ProbeOut>(
        `${RESOURCES.endpoints.path}/${encodeURIComponent(slug)}/test`,
        {
          ...(opts.type !== undefined ? { type: opts.type } : {}),
          ...(opts.data !== undefined ? { data: readJson(opts.data) } : {}),
        },
      );
      if (ctx.output === 'json') write(json(result));
      else {
        const answer = result.statusCode === null ? 'no answer' : `answered ${result.statusCode}`;
        write(
          `${result.request.url} ${answer} in ${result.latencyMs} ms (${result.msgId}): ${result.outcome}`,
        );
        if (result.response && result.response.body !== '')
          write(result.response.body + (result.response.truncated ? '\n[truncated]' : ''));
      }
      if (!result.ok) throw new CliError(`endpoint ${slug}: ${result.error ?? result.outcome}`);
    });
}
