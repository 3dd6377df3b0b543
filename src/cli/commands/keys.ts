// `eventhook keys list|create|revoke`: the org's API keys (--org). Managing them takes an admin key or the operator
// token; a new key is printed once, as the API returns it only when made.
import { Command, Option } from 'commander';
import { contextOf, type CommandContext } from '../context.js';
import { json, record, table, write } from '../output.js';
import { durationSeconds, rfc3339 } from './parse.js';

type Row = Record<string, unknown>;

const keysPath = (ctx: CommandContext) => ctx.client.orgRoot('/api-keys');

const stateOf = (k: Row): string =>
  k.revokedAt
    ? 'revoked'
    : k.expiresAt && Date.parse(String(k.expiresAt)) <= Date.now()
      ? 'expired'
      : 'active';

export function keysCommand(): Command {
  const keys = new Command('keys')
    .alias('key')
    .description("List, create or revoke the org's API keys")
    .addHelpText(
      'after',
      '\nExamples:\n  eventhook keys create ci-deploy --role publisher --expires-in 90d\n  eventhook keys list\n  eventhook keys revoke key_01J…',
    );

  keys
    .command('list')
    .alias('ls')
    .description("List the org's API keys (never the keys themselves): role, last use, expiry, state")
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const page = (await ctx.client.request<{ items: Row[] }>('GET', keysPath(ctx))).body;
      if (ctx.output === 'json') return write(json(page));
      if (page.items.length === 0) return write('No API keys.');
      write(
        table(page.items, [
          { header: 'name', value: (k) => k.name, max: 40 },
          { header: 'role', value: (k) => k.role },
          { header: 'state', value: stateOf },
          { header: 'expires', value: (k) => k.expiresAt ?? 'never' },
          { header: 'last used', value: (k) => k.lastUsedAt ?? 'never' },
          { header: 'id', value: (k) => k.id },
        ]),
      );
    });

  keys
    .command('create')
    .description('Make an API key; the key is printed once and cannot be read again')
    .argument('<name>', 'who or what uses it')
    .addOption(
      new Option('--role <role>', 'what it may do (README "API keys and roles")')
        .choices(['admin', 'member', 'publisher', 'worker'])
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--expires-in <duration>', 'it stops working after this long (e.g. 30d, 12h)').argParser(
        durationSeconds,
      ),
    )
    .addOption(
      new Option('--expires-at <time>', 'it stops working at this time (RFC 3339)')
        .argParser(rfc3339)
        .conflicts('expiresIn'),
    )
    .action(
      async (name: string, opts: { role: string; expiresIn?: number; expiresAt?: string }, cmd: Command) => {
        const ctx = contextOf(cmd);
        const expiresAt =
          opts.expiresAt ??
          (opts.expiresIn === undefined
            ? undefined
            : new Date(Date.now() + opts.expiresIn * 1000).toISOString());
        const made = (
          await ctx.client.request<Row>('POST', keysPath(ctx), { json: { name, role: opts.role, expiresAt } })
        ).body;
        if (ctx.output === 'json') return write(json(made));
        write(record({ ...made, expiresAt: made.expiresAt ?? 'never' }));
        process.stderr.write('The key is shown only now: keep it somewhere safe.\n');
      },
    );

  keys
    .command('revoke')
    .alias('rm')
    .description('Revoke an API key: every call with it is refused from now on')
    .argument('<key>', 'key id (key_…), as `keys list` shows it')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      await ctx.client.request('DELETE', `${keysPath(ctx)}/${encodeURIComponent(id)}`);
      write(ctx.output === 'json' ? json({ revoked: id }) : `Revoked API key ${id}.`);
    });
  return keys;
}
