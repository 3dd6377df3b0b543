// `eventhook migrate`: brings the configured database to the latest schema and exits (serve also migrates on
// start; this is for deployments that migrate in a separate step, before rolling out new processes).
import { Command } from 'commander';
import { write } from '../output.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('Apply database migrations to the configured store (SQLite file or PostgreSQL) and exit')
    .option(
      '-c, --config <file>',
      'YAML configuration file, as for serve (environment variables override it)',
    )
    .addHelpText(
      'after',
      '\nThe database comes from EVENTHOOK_DATABASE_URL (or databaseUrl in the file); default sqlite:./data/eventhook.db.',
    )
    .action(async (opts: { config?: string }) => {
      const [{ loadConfig }, { openStore }, { databaseLabel }] = await Promise.all([
        import('../../config/config.js'),
        import('../../app.js'),
        import('../serve.js'),
      ]);
      const config = loadConfig(process.env, { file: opts.config });
      const store = await openStore(config, true);
      await store.close();
      write(`Database ${databaseLabel(config.databaseUrl)} is at the latest schema.`);
    });
}
