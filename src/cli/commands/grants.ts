// `eventhook grants list|create|delete`: the orgs that may publish into this org (--org) through event_bus
// targets. Grants are given and taken back by the receiving org, so the key must be one of that org's.
import { Command } from 'commander';
import { contextOf } from '../context.js';
import { json, record, write } from '../output.js';
import { RESOURCES } from '../resources.js';
import { print, type Page } from './list.js';

type Row = Record<string, unknown>;

export function grantsCommand(): Command {
  const grants = new Command('grants')
    .alias('grant')
    .description('List, give or take back grants: which orgs may publish into this one (event_bus targets)')
    .addHelpText(
      'after',
      "\nExamples:\n  eventhook --org ledger grants create billing --types 'billing.*' refund.created\n  eventhook --org ledger grants list\n  eventhook --org ledger grants delete grt_01J…",
    );

  grants
    .command('list')
    .alias('ls')
    .description(`List ${RESOURCES.grants.summary}`)
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      print(ctx, 'grants', await ctx.client.get<Page>(RESOURCES.grants.path));
    });

  grants
    .command('create')
    .description('Let another org publish into this one')
    .argument('<fromOrg>', 'slug of the org allowed to publish')
    .option(
      '-t, --types <types...>',
      'event types it may publish: exact (order.created) or prefix patterns (billing.*); default every type',
    )
    .option('--description <text>', 'why the grant exists')
    .action(async (fromOrg: string, opts: { types?: string[]; description?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, { eventTypes: '--types' });
      const grant = await ctx.client.post<Row>(RESOURCES.grants.path, {
        fromOrg,
        eventTypes: opts.types,
        description: opts.description,
      });
      write(ctx.output === 'json' ? json(grant) : record(grant));
    });

  grants
    .command('delete')
    .alias('rm')
    .description('Take a grant back: the next publication from that org is refused')
    .argument('<grant>', 'grant id (grt_…)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      await ctx.client.delete(`${RESOURCES.grants.path}/${encodeURIComponent(id)}`);
      write(ctx.output === 'json' ? json({ deleted: id }) : `Deleted grant ${id}.`);
    });
  return grants;
}
