// `eventhook whoami`: who the configured key is (GET /api/orgs/{org}/me) — the operator token, or a key of the org
// with its role and what that role may do. The quickest check of --key/--org before a command is refused.
import { Command } from 'commander';
import { contextOf } from '../context.js';
import { json, record, write } from '../output.js';

/** The API's answer (src/api/routes/orgs.ts, MeOut). */
type Me =
  | { kind: 'operator' }
  | {
      kind: 'key';
      org: string;
      id: string;
      name: string;
      role: string;
      expiresAt: string | null;
      permissions: string[];
    };

export function whoamiCommand(): Command {
  return new Command('whoami')
    .description('Show who the configured key is: the operator token, or a key with its role and permissions')
    .addHelpText(
      'after',
      '\nExamples:\n  eventhook whoami\n  EVENTHOOK_KEY=ehk_… eventhook --org shop whoami -o json',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const me = (await ctx.client.request<Me>('GET', ctx.client.orgRoot('/me'))).body;
      write(ctx.output === 'json' ? json(me) : record(describe(me, ctx.client.connection.org)));
    });
}

/**
 * The answer as key/value lines. The operator token's answer names no org (it is not one org's): the org shown is
 * the one asked, which the server checked exists.
 */
function describe(me: Me, org: string): Record<string, unknown> {
  if (me.kind === 'operator')
    return { kind: 'operator', org, permissions: 'everything, in every org (and creating orgs)' };
  return {
    kind: 'key',
    org: me.org,
    role: me.role,
    name: me.name,
    id: me.id,
    // Servers before key expiry answer without it: such a key never expires.
    expires: me.expiresAt ?? 'never',
    permissions: me.permissions.join(', '),
  };
}
