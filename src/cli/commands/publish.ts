// `eventhook publish <type>`: publishes one application event, e.g. to try a rule without a webhook provider.
import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { CliError } from '../cli-error.js';
import { parseMaybeJson } from '../client.js';
import { contextOf } from '../context.js';
import { json, record, write } from '../output.js';

export function publishCommand(): Command {
  return new Command('publish')
    .description('Publish one event (source app:<name>) and print its id')
    .argument('<type>', 'the event type, e.g. order.created')
    .option('-d, --data <json|file>', 'the event data: JSON text, or a file path (optionally @path)')
    .option('--source <name>', 'the publishing application; the envelope source becomes app:<name>')
    .option('--subject <subject>', 'the event subject (e.g. an order id)')
    .option('--id <id>', 'your id for the event: a repeat is answered as a duplicate, not routed again')
    .option('--correlation-id <id>', 'ties the event to others of one flow (the envelope’s correlationid)')
    .option('--traceparent <value>', 'a W3C traceparent: the event continues that trace')
    .addHelpText('after', '\nExample:\n  eventhook publish order.created --data \'{"total": 1500}\'')
    .action(
      async (
        type: string,
        opts: {
          data?: string;
          source?: string;
          subject?: string;
          id?: string;
          correlationId?: string;
          traceparent?: string;
        },
        cmd: Command,
      ) => {
        const ctx = contextOf(cmd, { correlationid: '--correlation-id' });
        const data = opts.data === undefined ? undefined : readJson(opts.data);
        const out = await ctx.client.post<Record<string, unknown>>('/events', {
          type,
          data,
          source: opts.source,
          subject: opts.subject,
          id: opts.id,
          correlationid: opts.correlationId,
          traceparent: opts.traceparent,
        });
        write(ctx.output === 'json' ? json(out) : record(out));
      },
    );
}

/** `--data`: JSON text, or a file (`@path`, or a path that exists), parsed. */
export function readJson(value: string): unknown {
  const path = value.startsWith('@') ? value.slice(1) : value;
  const text =
    value.startsWith('@') || (!/^\s*[[{"]/.test(value) && existsSync(path))
      ? readFileSync(path, 'utf8')
      : value;
  const parsed = parseMaybeJson(text);
  if (typeof parsed === 'string' && text.trim() !== JSON.stringify(parsed))
    throw new CliError(`--data is not valid JSON: ${text.slice(0, 80)}`);
  return parsed;
}
