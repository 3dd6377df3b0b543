// The `eventhook` command line.
import { Command } from 'commander';
import { EventhookError } from '../core/errors.js';
import { serve } from './serve.js';

const program = new Command()
  .name('eventhook')
  .description('Eventhook: event router and webhook gateway')
  .showHelpAfterError();

program
  .command('serve')
  .description('Run the server (API, ingest, routing and delivery workers)')
  .option('-c, --config <file>', 'YAML configuration file (environment variables override it)')
  .action(serve);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof EventhookError) {
    process.stderr.write(`eventhook: ${err.message}\n`);
  } else {
    process.stderr.write(`eventhook: ${(err as Error)?.stack ?? err}\n`);
  }
  process.exit(1);
});
