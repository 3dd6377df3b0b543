// `eventhook export`: the org's sources, endpoints, rules and grants as a file `eventhook apply` takes.
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { contextOf } from '../context.js';
import { json, warn, write } from '../output.js';

interface ExportOptions {
  file?: string;
}

export function exportCommand(): Command {
  return new Command('export')
    .description("Write the org's sources, endpoints, rules and grants as a file for `eventhook apply`")
    .option('-f, --file <file>', 'write it to this file (never overwritten) instead of stdout')
    .addHelpText(
      'after',
      `
YAML by default; -o json writes the same as JSON (apply takes both). Secrets cannot be read back: each is a
\${NAME} reference, and the YAML starts with the list of environment variables to set before applying it
(with -o json the list goes to stderr).

Examples:
  eventhook export -f eventhook.yaml
  eventhook --org billing export > billing.yaml`,
    )
    .action(async (opts: ExportOptions, cmd: Command) => {
      const { exportState, renderExport } = await import('../apply/export-state.js');
      const ctx = contextOf(cmd);
      const list = async (kind: string) =>
        (await ctx.client.get<{ items: Record<string, unknown>[] }>(`/${kind}`)).items;
      const org = ctx.client.connection.org;
      const rules = await list('rules');
      const exported = exportState(org, {
        sources: await list('sources'),
        endpoints: await list('endpoints'),
        rules,
        grants: await list('grants'),
      });
      // A rule an older version saved with a pattern part that can never match is written as it is (it still routes
      // so), but apply refuses that part: say so now rather than leave it to the refused apply.
      warn(
        rules.flatMap((r) =>
          Array.isArray(r.warnings)
            ? r.warnings.map(
                (w) =>
                  `rule ${String(r.name)}: ${String(w)}: apply refuses the file until that part is fixed`,
              )
            : [],
        ),
      );
      // JSON is the bare file (apply takes it as is); what its references stand for goes to stderr.
      const text = ctx.output === 'json' ? json(exported.file) : renderExport(exported, org);
      if (ctx.output === 'json')
        for (const v of exported.variables) process.stderr.write(`set ${v.name}: ${v.what}\n`);
      if (opts.file === undefined) return write(text);
      try {
        writeFileSync(opts.file, text.endsWith('\n') ? text : `${text}\n`, { flag: 'wx' });
      } catch (err) {
        const code = (err as { code?: string }).code;
        throw new CliError(
          code === 'EEXIST'
            ? `${opts.file} exists; export never overwrites a file`
            : `cannot write ${opts.file}: ${(err as Error).message}`,
        );
      }
      const n = exported.variables.length;
      write(
        `Wrote org ${org} to ${opts.file}` +
          (n === 0
            ? '.'
            : `; set ${n} environment variable${n === 1 ? '' : 's'} (listed at its top) to apply it.`),
      );
    });
}
