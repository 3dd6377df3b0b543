// `eventhook replay` (events through the current rules again) and `eventhook retry` (failed or dead actions).
import { Command, Option } from 'commander';
import { usageError } from '../cli-error.js';
import { contextOf, endpointSlugOf, ruleIdOf } from '../context.js';
import { json, record, write } from '../output.js';
import { intUpTo, rfc3339, MAX_BULK_LIMIT } from './parse.js';

interface BulkOut {
  count: number;
  dryRun: boolean;
  truncated: boolean;
  skipped?: number;
}

export function replayCommand(): Command {
  return new Command('replay')
    .description(
      'Route an event again through the current rules (new actions), or every event a filter matches',
    )
    .argument('[eventId]', 'one event (evt_…); without it, give filters')
    .addOption(
      new Option('--status <status>', 'events in this state').choices([
        'pending',
        'routed',
        'unrouted',
        'failed',
        'rejected',
      ]),
    )
    .option('--type <type>', 'events of this type')
    .option(
      '--source <source>',
      'events received by this source (slug or src_ id), or from this envelope source (app:checkout)',
    )
    .option('--since <time>', 'received at or after (RFC 3339)', rfc3339)
    .option('--until <time>', 'received before (RFC 3339)', rfc3339)
    .option('-q, --search <text>', 'free text over type, subject and id')
    .option('--body <text>', "text in the event's data")
    .option('--all', 'replay every event of the org, system events included (no filter)')
    .option('--limit <n>', `at most this many events (1..${MAX_BULK_LIMIT})`, intUpTo(MAX_BULK_LIMIT))
    .option('--dry-run', 'only count the events that would be replayed')
    .option(
      '--new-idempotency-keys',
      'start workflows and tasks again instead of being recognised as repeats',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  eventhook replay evt_01J…\n  eventhook replay --type order.created --since 2025-01-01T00:00:00Z --dry-run',
    )
    .action(
      async (
        eventId: string | undefined,
        opts: Record<string, string | number | boolean | undefined>,
        cmd: Command,
      ) => {
        const ctx = contextOf(cmd);
        const fresh = opts.newIdempotencyKeys === true ? true : undefined;
        if (eventId !== undefined) {
          const event = await ctx.client.post<Record<string, unknown>>(
            `/events/${encodeURIComponent(eventId)}/replay`,
            { newIdempotencyKeys: fresh },
          );
          return write(
            ctx.output === 'json'
              ? json(event)
              : `Replaying ${event.id} (${event.type}); status ${event.status}.`,
          );
        }
        const filter = {
          status: opts.status as string | undefined,
          type: opts.type as string | undefined,
          source: opts.source as string | undefined,
          since: opts.since as string | undefined,
          until: opts.until as string | undefined,
          q: opts.search as string | undefined,
          body: opts.body as string | undefined,
        };
        const filtered = Object.values(filter).some((v) => v !== undefined);
        if (!opts.all && !filtered) {
          throw usageError(
            cmd,
            'give an event id, a filter (--type, --status, --source, --since, …) or --all',
          );
        }
        // The server refuses both at once too: "all" with a filter could be read either way.
        if (opts.all && filtered) throw usageError(cmd, '--all replays every event; give it without filters');
        const out = await ctx.client.post<BulkOut>('/events/replay', {
          ...(opts.all ? { all: true } : { filter }),
          dryRun: opts.dryRun === true,
          limit: opts.limit,
          newIdempotencyKeys: fresh,
        });
        write(ctx.output === 'json' ? json(out) : bulkLine(out, 'event', 'replay'));
      },
    );
}

export function retryCommand(): Command {
  return new Command('retry')
    .description('Give a failed or dead action another attempt now, or every action a filter matches')
    .argument('[actionId]', 'one action (act_…); without it, give --dead or filters')
    .option('--dead', 'the dead-letter queue (status dead)')
    .addOption(new Option('--status <status>', 'actions in this state').choices(['failed', 'dead']))
    .option('--rule <rule>', 'actions of this rule (name or rule_ id)')
    .option('--event <eventId>', 'actions of this event')
    .option('--type <targetType>', 'actions of this target type')
    .option(
      '--endpoint <slug>',
      "webhook actions to this endpoint (with --dead, the endpoint's dead-letter queue)",
    )
    .option('--limit <n>', `at most this many actions (1..${MAX_BULK_LIMIT})`, intUpTo(MAX_BULK_LIMIT))
    .option('--dry-run', 'only count the actions that would be retried')
    .addHelpText(
      'after',
      '\nExamples:\n  eventhook retry act_01J…\n  eventhook retry --dead --rule vip-orders --dry-run\n  eventhook retry --dead --endpoint billing-app',
    )
    .action(
      async (
        actionId: string | undefined,
        opts: Record<string, string | number | boolean | undefined>,
        cmd: Command,
      ) => {
        const ctx = contextOf(cmd);
        if (actionId !== undefined) {
          const action = await ctx.client.post<Record<string, unknown>>(
            `/actions/${encodeURIComponent(actionId)}/retry`,
          );
          return write(
            ctx.output === 'json'
              ? json(action)
              : record({ id: action.id, status: action.status, attempts: action.attemptCount }),
          );
        }
        const filter = {
          status: opts.dead ? 'dead' : (opts.status as string | undefined),
          rule: opts.rule === undefined ? undefined : await ruleIdOf(ctx.client, String(opts.rule)),
          event: opts.event as string | undefined,
          targetType: opts.type as string | undefined,
          endpoint:
            opts.endpoint === undefined ? undefined : await endpointSlugOf(ctx.client, String(opts.endpoint)),
        };
        if (Object.values(filter).every((v) => v === undefined))
          throw usageError(
            cmd,
            'give an action id, --dead, or a filter (--status, --rule, --event, --type, --endpoint)',
          );
        const out = await ctx.client.post<BulkOut>('/actions/retry', {
          filter,
          dryRun: opts.dryRun === true,
          limit: opts.limit,
        });
        write(ctx.output === 'json' ? json(out) : bulkLine(out, 'action', 'retry'));
      },
    );
}

function bulkLine(out: BulkOut, noun: string, verb: string): string {
  const n = `${out.count} ${noun}${out.count === 1 ? '' : 's'}`;
  const line = out.dryRun ? `Would ${verb} ${n}.` : `${verb === 'replay' ? 'Replaying' : 'Retrying'} ${n}.`;
  const skipped = out.skipped
    ? ` ${out.skipped} dead before ${out.skipped === 1 ? 'it' : 'they'} ran (a filter failed): replay ${out.skipped === 1 ? 'its event' : 'their events'} instead.`
    : '';
  return (out.truncated ? `${line} (stopped at the limit; run again for the rest)` : line) + skipped;
}
