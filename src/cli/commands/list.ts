// `eventhook list <kind>`: sources, rules and endpoints in full; events and actions a page at a time, filtered.
import { Command, Option } from 'commander';
import { contextOf, endpointSlugOf, ruleIdOf, type CommandContext } from '../context.js';
import { json, table, write, type Column } from '../output.js';
import { RESOURCES, type ResourceKind } from '../resources.js';
import { intUpTo, rfc3339, MAX_PAGE_SIZE } from './parse.js';

export interface Page {
  items: Record<string, unknown>[];
  nextCursor?: string | null;
}

export function listCommand(): Command {
  const list = new Command('list')
    .alias('ls')
    .description('List sources, rules, endpoints, events, actions, providers or the audit log')
    .addHelpText(
      'after',
      '\nExamples:\n  eventhook list rules\n  eventhook list events --type push --status routed --limit 20\n  eventhook list actions --dead -o json',
    );

  for (const kind of ['sources', 'rules', 'endpoints'] as const) {
    list
      .command(kind)
      .alias(RESOURCES[kind].singular)
      .description(`List ${RESOURCES[kind].summary}`)
      .option('--include-deleted', 'also show deleted ones')
      .action(async (opts: { includeDeleted?: boolean }, cmd: Command) => {
        const ctx = contextOf(cmd);
        const page = await ctx.client.get<Page>(RESOURCES[kind].path, {
          includeDeleted: opts.includeDeleted,
        });
        // Else a deleted rule reads as enabled and a deleted endpoint as active, like the live ones beside them.
        const deleted: Column<Record<string, unknown>> = {
          header: 'deleted',
          value: (r) => r.deletedAt ?? '',
        };
        print(ctx, kind, page, opts.includeDeleted ? [deleted] : []);
      });
  }

  list
    .command('providers')
    .alias('provider')
    .description('List provider templates (for sources and `eventhook send`)')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const page = await ctx.client.get<Page>('/providers');
      if (ctx.output === 'json') return write(json(page));
      write(
        table(page.items, [
          { header: 'id', value: (p) => p.id },
          { header: 'verifier', value: (p) => p.verifierType },
          { header: 'required', value: (p) => (p.requiredFields as string[]).join(',') },
          // user: you choose the secret (rotation may generate it); provider: paste the one it shows, also to rotate.
          { header: 'secret chosen by', value: (p) => p.secretChosenBy ?? 'none' },
          { header: 'name', value: (p) => p.name },
        ]),
      );
    });

  list
    .command('events')
    .alias('event')
    .description(`List ${RESOURCES.events.summary}`)
    .addOption(
      new Option('--status <status>', 'only events in this state').choices([
        'pending',
        'routed',
        'unrouted',
        'failed',
        'rejected',
      ]),
    )
    .option('--type <type>', 'only events of this type (e.g. push, order.created)')
    .option(
      '--source <source>',
      'only events received by this source (slug or src_ id), or from this envelope source (app:checkout)',
    )
    .option('--since <time>', 'received at or after (RFC 3339)', rfc3339)
    .option('--until <time>', 'received before (RFC 3339)', rfc3339)
    .option('-q, --search <text>', 'free text over type, subject and id')
    .option('--body <text>', "text in the event's data (narrow with --since/--until on large stores)")
    .option('--limit <n>', `page size, 1..${MAX_PAGE_SIZE}`, intUpTo(MAX_PAGE_SIZE), 50)
    .option('--cursor <cursor>', 'the next page, as printed after the previous one')
    .action(async (opts: Record<string, string | number | undefined>, cmd: Command) => {
      const ctx = contextOf(cmd);
      const page = await ctx.client.get<Page>('/events', {
        status: opts.status,
        type: opts.type,
        source: opts.source,
        since: opts.since,
        until: opts.until,
        q: opts.search,
        body: opts.body,
        limit: opts.limit,
        cursor: opts.cursor,
      });
      print(ctx, 'events', page);
    });

  list
    .command('actions')
    .alias('action')
    .description(`List ${RESOURCES.actions.summary}`)
    .addOption(
      new Option('--status <status>', 'only actions in this state').choices([
        'pending',
        'in_flight',
        'succeeded',
        'failed',
        'dead',
      ]),
    )
    .addOption(new Option('--dead', 'the dead-letter queue (same as --status dead)').conflicts('status'))
    .option(
      '--type <targetType>',
      'only actions of this target type (workflow, task, promise, webhook, event_bus)',
    )
    .option('--event <eventId>', 'only actions of this event')
    .option('--rule <rule>', 'only actions of this rule (name or rule_ id)')
    .option('--endpoint <slug>', 'only webhook actions to this endpoint (with --dead, its dead-letter queue)')
    .option('--limit <n>', `page size, 1..${MAX_PAGE_SIZE}`, intUpTo(MAX_PAGE_SIZE), 50)
    .option('--cursor <cursor>', 'the next page, as printed after the previous one')
    .action(async (opts: Record<string, string | number | boolean | undefined>, cmd: Command) => {
      const ctx = contextOf(cmd);
      const rule = opts.rule === undefined ? undefined : await ruleIdOf(ctx.client, String(opts.rule));
      const endpoint =
        opts.endpoint === undefined ? undefined : await endpointSlugOf(ctx.client, String(opts.endpoint));
      const page = await ctx.client.get<Page>('/actions', {
        status: opts.dead ? 'dead' : (opts.status as string | undefined),
        targetType: opts.type as string | undefined,
        event: opts.event as string | undefined,
        rule,
        endpoint,
        limit: opts.limit as number,
        cursor: opts.cursor as string | undefined,
      });
      print(ctx, 'actions', page);
    });
  list
    .command('audit-log')
    .alias('audit')
    .description(
      'List configuration changes, newest first: who changed which source, rule, endpoint, grant or key',
    )
    .addOption(
      new Option('--resource <kind>', 'only changes of this kind of resource').choices([
        'source',
        'rule',
        'endpoint',
        'grant',
        'api_key',
        'org',
      ]),
    )
    .option('--name <name>', "only changes of resources of this name (a slug, a rule's or key's name)")
    .option('--id <id>', 'only changes of this one resource, by id (across renames)')
    .option('--by <key>', 'only changes made by this API key (key_…)')
    .option('--limit <n>', `page size, 1..${MAX_PAGE_SIZE}`, intUpTo(MAX_PAGE_SIZE), 50)
    .option('--cursor <cursor>', 'the next page, as printed after the previous one')
    .action(async (opts: Record<string, string | number | undefined>, cmd: Command) => {
      const ctx = contextOf(cmd);
      const page = await ctx.client.get<Page>('/audit-log', {
        resource: opts.resource,
        name: opts.name,
        resourceId: opts.id,
        actorId: opts.by,
        limit: opts.limit,
        cursor: opts.cursor,
      });
      if (ctx.output === 'json') return write(json(page));
      write(page.items.length === 0 ? 'No changes.' : table(page.items, AUDIT_COLUMNS));
      if (page.nextCursor) write(`More: --cursor ${page.nextCursor}`);
    });
  return list;
}

const AUDIT_COLUMNS: Column<Record<string, unknown>>[] = [
  { header: 'time', value: (r) => r.at },
  { header: 'by', value: (r) => actorText(r.actor as Record<string, string>), max: 40 },
  { header: 'action', value: (r) => r.action },
  { header: 'resource', value: (r) => r.resource },
  { header: 'name', value: (r) => r.name },
  { header: 'fields', value: (r) => (r.fields as string[]).join(',') },
];

/** A key by name and role; the operator token; Eventhook itself, with why. */
function actorText(actor: Record<string, string>): string {
  if (actor.kind === 'key') return `${actor.name} (${actor.role})`;
  if (actor.kind === 'system') return `eventhook: ${actor.reason}`;
  return 'operator';
}

/** A page of `kind` as JSON, or as a table with the cursor of the next page. */
export function print(
  ctx: CommandContext,
  kind: ResourceKind,
  page: Page,
  extra: readonly Column<Record<string, unknown>>[] = [],
): void {
  if (ctx.output === 'json') return write(json(page));
  write(page.items.length === 0 ? `No ${kind}.` : table(page.items, [...RESOURCES[kind].columns, ...extra]));
  if (page.nextCursor) write(`More: --cursor ${page.nextCursor}`);
}
