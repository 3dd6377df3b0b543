// `eventhook orgs list|create`: the tenants of this Eventhook. Only the operator token manages orgs; a key of an org
// gets the server's EH_AUTH_FORBIDDEN. A new org has no keys: make its first with `eventhook --org <slug> keys create`.
import { Command } from 'commander';
import { contextOf } from '../context.js';
import { json, record, table, write } from '../output.js';

type Row = Record<string, unknown>;

export function orgsCommand(): Command {
  const orgs = new Command('orgs')
    .alias('org')
    .description('List or create orgs (the operator token only)')
    .addHelpText(
      'after',
      '\nExamples:\n  eventhook orgs create acme --name "Acme Inc."\n  eventhook --org acme keys create acme-admin --role admin\n  eventhook orgs list',
    );

  orgs
    .command('list')
    .alias('ls')
    .description('List every org')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const page = (await ctx.client.request<{ items: Row[] }>('GET', '/api/orgs')).body;
      if (ctx.output === 'json') return write(json(page));
      write(
        page.items.length === 0
          ? 'No orgs.'
          : table(page.items, [
              { header: 'slug', value: (o) => o.slug },
              { header: 'name', value: (o) => o.name, max: 50 },
              { header: 'created', value: (o) => o.createdAt },
            ]),
      );
    });

  orgs
    .command('create')
    .description('Create an org; then give it a key with `eventhook --org <slug> keys create`')
    .argument('<slug>', 'its slug: lower-case letters, digits and inner hyphens (in every URL of the org)')
    .option('--name <name>', 'its display name (default: the slug)')
    .action(async (slug: string, opts: { name?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const made = (await ctx.client.request<Row>('POST', '/api/orgs', { json: { slug, name: opts.name } }))
        .body;
      write(ctx.output === 'json' ? json(made) : record(made));
    });
  return orgs;
}
