// `eventhook apply -f eventhook.yaml`: makes the server's sources, rules, endpoints and grants match the file.
import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { contextOf, type GlobalOptions } from '../context.js';
import { ApiClient } from '../client.js';
import { json, write } from '../output.js';
import { durationSeconds } from './parse.js';

interface ApplyOptions {
  file: string;
  dryRun?: boolean;
  prune?: boolean;
  rotateSecrets?: boolean;
  secretGrace?: number;
}

export function applyCommand(): Command {
  return new Command('apply')
    .description(
      'Create, update (and with --prune delete) sources, rules, endpoints and grants to match a YAML file',
    )
    .requiredOption(
      '-f, --file <file>',
      'the YAML (or JSON) file: sections org, sources, rules, endpoints, grants (docs/cli.md)',
    )
    .option(
      '--dry-run',
      'print the changes (+ create, ~ update with each field, - delete) and change nothing',
    )
    .option(
      '--prune',
      'delete sources, rules, endpoints and grants the file no longer names (only in sections the file has)',
    )
    .option(
      '--rotate-secrets',
      're-send write-only values (source and endpoint secrets, endpoint auth and secret headers): secrets are rotated, unless unchanged',
    )
    .option(
      '--secret-grace <duration>',
      'with --rotate-secrets: how long old secrets keep working (e.g. 1h; server default 24h)',
      durationSeconds,
    )
    .addHelpText(
      'after',
      `
Sources and endpoints are matched by slug, rules by name, grants by their org (a grant alike first; one
with other types or description is updated in place). Only the fields the file names are compared.
Secrets cannot be read back: they are set when an object is created and re-sent only with --rotate-secrets.
Strings may use \${NAME} or \${NAME:-default} to take values from the environment.

Examples:
  eventhook apply -f eventhook.yaml --dry-run
  STRIPE_SECRET=whsec_… eventhook apply -f eventhook.yaml --prune`,
    )
    .action(async (opts: ApplyOptions, cmd: Command) => {
      const apply = await import('../apply/index.js');
      const file = apply.loadFile(opts.file);
      const desired = await apply.desiredState(file, process.env);
      const ctx = contextOf(cmd);
      const client = desired.org === undefined ? ctx.client : clientForOrg(cmd, ctx.client, desired.org);
      const plan = await apply.planApply(client, desired, {
        prune: opts.prune === true,
        rotateSecrets: opts.rotateSecrets === true,
      });
      const note = apply.unmanagedNote(plan);

      if (opts.dryRun) {
        if (ctx.output === 'json') return write(json(apply.planJson(plan, { dryRun: true })));
        return write(
          [...plan.changes.flatMap(apply.changeLines), apply.summary(plan), ...(note ? [note] : [])].join(
            '\n',
          ),
        );
      }
      const text = ctx.output !== 'json';
      const results = await apply.executePlan(client, plan, {
        graceSeconds: opts.secretGrace,
        onResult: (r) => {
          if (!text) return;
          write(apply.changeLines(r.change).join('\n'));
          if (r.generatedSecret) write(`    generated secret (shown once): ${r.generatedSecret}`);
          for (const w of r.warnings ?? []) write(`    warning: ${w}`);
          for (const name of r.unchangedSecrets ?? []) write(`    ${name}: unchanged, not rotated`);
        },
      });
      if (!text) return write(json(apply.planJson(plan, { dryRun: false, results })));
      write(
        plan.changes.length === 0
          ? apply.summary(plan)
          : `Applied ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'} to org ${plan.org}.`,
      );
      if (note) write(note);
    });
}

/** The file's `org:` wins over the default, but never silently over an org given with --org or EVENTHOOK_ORG. */
function clientForOrg(cmd: Command, client: ApiClient, org: string): ApiClient {
  const given = cmd.optsWithGlobals<GlobalOptions>().org;
  const source = cmd.getOptionValueSourceWithGlobals('org');
  if (source !== 'default' && source !== undefined && given !== org) {
    throw new CliError(`the file is for org ${org}, but --org/EVENTHOOK_ORG says ${given}`);
  }
  return new ApiClient({ ...client.connection, org });
}
