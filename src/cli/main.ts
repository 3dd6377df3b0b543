// The `eventhook` command line: the server and its database (serve, migrate, backup) and a client of a running server (apply, list, get,
// tail, replay, retry, send, publish, grants, ping, whoami). Client commands load only what they need, so they start fast.
import { Command, Option } from 'commander';
import { ROLES } from '../config/keys.js';
import { commandPath, formatError, SERVER_COMMANDS, usageLine } from './cli-error.js';
import { applyCommand } from './commands/apply.js';
import { backupCommand } from './commands/backup.js';
import { exportCommand } from './commands/export.js';
import { getCommand } from './commands/get.js';
import { grantsCommand } from './commands/grants.js';
import { keysCommand } from './commands/keys.js';
import { orgsCommand } from './commands/orgs.js';
import { listCommand } from './commands/list.js';
import { migrateCommand } from './commands/migrate.js';
import { rekeyCommand } from './commands/rekey.js';
import { pingCommand } from './commands/ping.js';
import { publishCommand } from './commands/publish.js';
import { replayCommand, retryCommand } from './commands/replay.js';
import { sendCommand } from './commands/send.js';
import { tailCommand } from './commands/tail.js';
import { whoamiCommand } from './commands/whoami.js';
import { OUTPUT_FORMATS } from './output.js';

const program = new Command()
  .name('eventhook')
  .description(
    'Eventhook: event router and webhook gateway. Client commands talk to a running server (--url, --key).',
  )
  .addOption(
    new Option('--url <url>', 'server base URL').env('EVENTHOOK_URL').default('http://localhost:8080'),
  )
  .addOption(new Option('--key <key>', 'API key (or the operator token)').env('EVENTHOOK_KEY'))
  .addOption(new Option('--org <org>', 'org slug').env('EVENTHOOK_ORG').default('default'))
  .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
  .configureHelp({ showGlobalOptions: true });

program
  .command('serve')
  .description('Run the server (API, ingest, routing and delivery workers) until SIGINT/SIGTERM')
  .option(
    '-c, --config <file>',
    'YAML configuration file (a server: section or top-level keys; environment variables override it)',
  )
  .addOption(
    new Option(
      '--role <role>',
      'what this process runs: all, api (alias ingest: the HTTP server) or worker (routing and delivery); overrides EVENTHOOK_ROLE',
    ).choices(ROLES),
  )
  .addHelpText('after', '\nEvery setting, its environment variable and default: docs/configuration.md.')
  .action(async (opts: { config?: string; role?: string }) => (await import('./serve.js')).serve(opts));

program.addCommand(migrateCommand());
program.addCommand(backupCommand());
program.addCommand(rekeyCommand());
program.addCommand(applyCommand());
program.addCommand(exportCommand());
program.addCommand(listCommand());
program.addCommand(getCommand());
program.addCommand(tailCommand());
program.addCommand(replayCommand());
program.addCommand(retryCommand());
program.addCommand(sendCommand());
program.addCommand(publishCommand());
program.addCommand(grantsCommand());
program.addCommand(keysCommand());
program.addCommand(orgsCommand());
program.addCommand(pingCommand());
program.addCommand(whoamiCommand());

// Usage errors are one line, as every other failure (docs/cli.md), naming the help to read rather than printing it.
const oneLineErrors = (cmd: Command) => {
  const path = commandPath(cmd);
  cmd.configureOutput({ outputError: (message, write) => write(`${usageLine(message, path)}\n`) });
};

// Commands built apart (addCommand) do not inherit the program's settings on their own; global options in --help.
const inherit = (cmd: Command) => {
  for (const sub of cmd.commands) {
    sub.copyInheritedSettings(cmd);
    // The server commands read the server's settings; the client's --url, --key, --org, -o mean nothing to them.
    if (SERVER_COMMANDS.has(sub.name())) sub.configureHelp({ showGlobalOptions: false });
    oneLineErrors(sub);
    inherit(sub);
  }
};
oneLineErrors(program);
inherit(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${formatError(err)}\n`);
  process.exit((err as { exitCode?: number }).exitCode ?? 1);
});
