// `eventhook orgs list|create|rename|delete`: the tenants of this Eventhook. Only the operator token manages orgs; a
// key of an org gets the server's EH_AUTH_FORBIDDEN. A new org has no keys: make its first with
// `eventhook --org <slug> keys create`.
import { Command } from 'commander';
import { usageError } from '../cli-error.js';
import { contextOf } from '../context.js';
import { json, record, table, write } from '../output.js';

type Row = Record<string, unknown>;

export function orgsCommand(): Command {
  const orgs = new Command('orgs')
    .alias('org')
    .description('List, create, rename or delete orgs (the operator token only)')
    .addHelpText(
      'after',
      '\nExamples:\n  eventhook orgs create acme --name "Acme Inc."\n  eventhook --org acme keys create acme-admin --role admin\n  eventhook orgs list\n  eventhook orgs rename acme "Acme Corporation"\n  eventhook orgs delete acme --confirm acme',
    );

  orgs
    .command('list')
    .alias('ls')
    .description('List every org')
    .option('--include-deleted', 'also orgs deleted whose data is still being purged')
    .action(async (opts: { includeDeleted?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const path = opts.includeDeleted ? '/api/orgs?includeDeleted=true' : '/api/orgs';
      const page = (await ctx.client.request<{ items: Row[] }>('GET', path)).body;
      if (ctx.output === 'json') return write(json(page));
      write(
        page.items.length === 0
          ? 'No orgs.'
          : table(page.items, [
              { header: 'slug', value: (o) => o.slug },
              { header: 'name', value: (o) => o.name, max: 50 },
              { header: 'created', value: (o) => o.createdAt },
              ...(opts.includeDeleted ? [{ header: 'deleted', value: (o: Row) => o.deletedAt ?? '' }] : []),
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

  orgs
    .command('rename')
    .description("Change an org's display name (its slug, in every URL, stays)")
    .argument('<slug>', 'the org')
    .argument('<name>', 'its new display name')
    .action(async (slug: string, name: string, _opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const path = `/api/orgs/${encodeURIComponent(slug)}`;
      const renamed = (await ctx.client.request<Row>('PATCH', path, { json: { name } })).body;
      write(ctx.output === 'json' ? json(renamed) : record(renamed));
    });

  orgs
    .command('delete')
    .description(
      'Delete an org and all its data, for good: at once its keys, webhooks and deliveries stop; its data is then ' +
        'purged in the background, after which the slug is free again',
    )
    .argument('<slug>', 'the org')
    .requiredOption('--confirm <slug>', 'the same slug again, to show you mean this org')
    .action(async (slug: string, opts: { confirm: string }, cmd: Command) => {
      if (opts.confirm !== slug)
        throw usageError(
          cmd,
          `--confirm ${JSON.stringify(opts.confirm)} is not the org being deleted: to delete ${slug} and all its data, give --confirm ${slug}`,
        );
      const ctx = contextOf(cmd);
      const path = `/api/orgs/${encodeURIComponent(slug)}`;
      const deleted = (await ctx.client.request<Row>('DELETE', path)).body;
      write(
        ctx.output === 'json'
          ? json(deleted)
          : `Deleted org ${slug}; its data is being purged (eventhook orgs list --include-deleted shows it until then).`,
      );
    });
  return orgs;
}
