// `eventhook get <kind> <id>`: one source, rule, endpoint, grant, event (with its actions) or action (with its
// attempts).
import { Command } from 'commander';
import { contextOf } from '../context.js';
import { json, record, table, write, type Column } from '../output.js';
import { RESOURCES, type ResourceKind } from '../resources.js';

type Row = Record<string, unknown>;

const ATTEMPT_COLUMNS: readonly Column<Row>[] = [
  { header: 'number', value: (a) => a.number },
  { header: 'started', value: (a) => a.startedAt },
  { header: 'outcome', value: (a) => a.outcome },
  { header: 'status', value: (a) => a.statusCode },
  { header: 'latency ms', value: (a) => a.latencyMs },
  { header: 'error', value: (a) => a.error, max: 60 },
];

export function getCommand(): Command {
  const get = new Command('get')
    .description('Show one source, rule, endpoint, event, action or grant')
    .addHelpText(
      'after',
      '\nExamples:\n  eventhook get source github\n  eventhook get rule vip-orders -o json\n  eventhook get event evt_01J…',
    );
  for (const kind of ['sources', 'rules', 'endpoints', 'events', 'actions', 'grants'] as const) {
    const spec = RESOURCES[kind];
    get
      .command(`${spec.singular} <${spec.key}>`)
      .alias(kind)
      .description(`Show ${spec.one}`)
      .action(async (ref: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const body = await ctx.client.get<Row>(`${spec.path}/${encodeURIComponent(ref)}`);
        write(ctx.output === 'json' ? json(body) : show(kind, body));
      });
  }
  return get;
}

/** Key/value lines, with nested lists (an event's actions, an action's attempts) as tables below. */
function show(kind: ResourceKind, body: Row): string {
  const nested = kind === 'events' ? 'actions' : kind === 'actions' ? 'attempts' : undefined;
  const list = nested !== undefined && Array.isArray(body[nested]) ? (body[nested] as Row[]) : undefined;
  const top = Object.fromEntries(Object.entries(body).filter(([k]) => !(list && k === nested)));
  if (!list) return record(top);
  const columns = kind === 'events' ? RESOURCES.actions.columns : ATTEMPT_COLUMNS;
  return `${record(top)}\n\n${nested}:\n${list.length === 0 ? '  (none)' : table(list, columns)}`;
}
