// `eventhook backup <file>`: a consistent copy of the embedded SQLite database, taken while the server runs. Like
// migrate it works on the configured database directly, not through the HTTP API.
import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { warn, write } from '../output.js';

export function backupCommand(): Command {
  return new Command('backup')
    .description(
      'Copy the embedded SQLite database to a new file while the server runs (consistent, checked)',
    )
    .argument('<file>', 'where the copy goes; must not exist')
    .option(
      '-c, --config <file>',
      'YAML configuration file, as for serve (environment variables override it)',
    )
    .addHelpText(
      'after',
      [
        '',
        'The database comes from EVENTHOOK_DATABASE_URL (or databaseUrl in the file); default sqlite:./data/eventhook.db.',
        'Secrets in the copy are sealed with the master key: keep the key (EVENTHOOK_MASTER_KEY, or master.key in the',
        'data folder) with the copy, but not in the same place. PostgreSQL deployments use pg_dump.',
        '',
        'Restore: stop the server, remove eventhook.db, eventhook.db-wal and eventhook.db-shm, copy the backup to',
        'eventhook.db, start the server.',
      ].join('\n'),
    )
    .action(async (file: string, opts: { config?: string }) => {
      const [{ loadConfig, unknownEnvironmentVariables }, { backupSqlite }, { resolve }] = await Promise.all([
        import('../../config/config.js'),
        import('../../store/adapters/sqlite/backup.js'),
        import('node:path'),
      ]);
      const config = loadConfig(process.env, { file: opts.config });
      warn(unknownEnvironmentVariables(process.env));
      if (!config.databaseUrl.startsWith('sqlite:'))
        throw new CliError('backup copies the embedded SQLite database; back up PostgreSQL with pg_dump');
      const path = config.databaseUrl.slice('sqlite:'.length);
      if (path === ':memory:') throw new CliError('an in-memory database has nothing to back up');
      const destination = resolve(file);
      let result;
      try {
        result = backupSqlite(path, destination);
      } catch (err) {
        throw new CliError(`backup failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      const mib = (result.bytes / 1024 / 1024).toFixed(1);
      write(`Backed up ${path} to ${destination} (${mib} MiB, ${result.ms} ms).`);
      write(
        config.masterKey !== undefined
          ? 'Its secrets are sealed with EVENTHOOK_MASTER_KEY: a restore needs that key.'
          : `Its secrets are sealed with ${resolve(config.dataDir, 'master.key')}: keep a copy of that file apart from the backup.`,
      );
    });
}
