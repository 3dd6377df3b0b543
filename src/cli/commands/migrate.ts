// `eventhook migrate`: brings the configured database to the latest schema, says what it applied, and exits (serve
// also migrates on start unless EVENTHOOK_MIGRATE=off; this is for deployments that migrate in a separate step,
// before rolling out new processes, or with a database user only this step has DDL rights for).
import { Command } from 'commander';
import { warn, write } from '../output.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('Apply database migrations to the configured store (SQLite file or PostgreSQL) and exit')
    .option(
      '-c, --config <file>',
      'YAML configuration file, as for serve (environment variables override it)',
    )
    .addHelpText(
      'after',
      [
        '',
        'The database comes from EVENTHOOK_DATABASE_URL (or databaseUrl in the file); default sqlite:./data/eventhook.db.',
        "It migrates even with EVENTHOOK_MIGRATE=off (that setting is serve's), and prints the migrations it applied.",
      ].join('\n'),
    )
    .action(async (opts: { config?: string }) => {
      const [{ databaseLabel, loadConfig, unknownEnvironmentVariables }, { openStore }] = await Promise.all([
        import('../../config/config.js'),
        import('../../app.js'),
      ]);
      const config = loadConfig(process.env, { file: opts.config });
      warn(unknownEnvironmentVariables(process.env));
      const { store, migrated } = await openStore(config, undefined, 'auto');
      await store.close();
      const database = databaseLabel(config.databaseUrl);
      if (migrated.length === 0) {
        write(`Database ${database} was already up to date: no migrations to apply.`);
        return;
      }
      const count = migrated.length === 1 ? '1 migration' : `${migrated.length} migrations`;
      write(`Applied ${count} to database ${database}:`);
      for (const name of migrated) write(`  ${name}`);
    });
}
