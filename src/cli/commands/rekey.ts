// `eventhook rekey`: the last step of rotating the master key. Every process already runs with the new key as
// EVENTHOOK_MASTER_KEY and the old one in EVENTHOOK_MASTER_KEY_PREVIOUS; this seals every secret again with the new
// key, then the store's key check, so that the old key can be removed (docs/operations.md).
import { Command } from 'commander';
import { isEventhookError } from '../../core/errors.js';
import { CliError } from '../cli-error.js';
import { warn, write } from '../output.js';

export function rekeyCommand(): Command {
  return new Command('rekey')
    .description(
      'Seal every stored secret again with EVENTHOOK_MASTER_KEY (those sealed with EVENTHOOK_MASTER_KEY_PREVIOUS), then exit',
    )
    .option(
      '-c, --config <file>',
      'YAML configuration file, as for serve (environment variables override it)',
    )
    .option('--dry-run', 'count the secrets it would seal again, and change nothing')
    .addHelpText(
      'after',
      [
        '',
        'Rotating the master key: 1. restart every process with the new key as EVENTHOOK_MASTER_KEY and the old one as',
        'EVENTHOOK_MASTER_KEY_PREVIOUS; 2. run eventhook rekey; 3. remove EVENTHOOK_MASTER_KEY_PREVIOUS and restart.',
        'Running it again changes nothing. The database comes from EVENTHOOK_DATABASE_URL, as for migrate.',
      ].join('\n'),
    )
    .action(async (opts: { config?: string; dryRun?: boolean }) => {
      const [
        { databaseLabel, loadConfig, unknownEnvironmentVariables },
        { openStore },
        { SecretBox },
        { checkMasterKey },
        { rekeyStore },
        { masterKeyPath, readMasterKey },
      ] = await Promise.all([
        import('../../config/config.js'),
        import('../../app.js'),
        import('../../core/secret-box.js'),
        import('../../config/master-key-check.js'),
        import('../../app/rekey.js'),
        import('../../app/master-key.js'),
      ]);
      const config = loadConfig(process.env, { file: opts.config });
      warn(unknownEnvironmentVariables(process.env));
      const key = config.masterKey ?? readMasterKey(config.dataDir);
      if (key === undefined)
        throw new CliError(
          `no master key: set EVENTHOOK_MASTER_KEY (no ${masterKeyPath(config.dataDir)} either)`,
        );
      const box = new SecretBox(key, config.masterKeyPrevious);
      // A store at another schema is refused (run migrate first), and so is a key that opens nothing of it.
      const { store } = await openStore(config, undefined, 'off').catch((err: unknown) => {
        throw notMigrated(err) ?? err;
      });
      try {
        await checkMasterKey(store, box);
        const r = await rekeyStore(store, box, { dryRun: opts.dryRun === true });
        const database = databaseLabel(config.databaseUrl);
        const what = `${plural(r.resealed, 'secret')} of ${plural(r.sources, 'source')} and ${plural(r.endpoints, 'endpoint')} in ${database}`;
        if (opts.dryRun) {
          write(
            `Would seal ${what} again with the current master key (${r.current} already are); changed nothing.`,
          );
          return;
        }
        write(
          r.resealed === 0
            ? `Every secret in ${database} was already sealed with the current master key (${r.current}).`
            : `Sealed ${what} again with the current master key (${r.current} already were).`,
        );
        // The key in use: the variable, or the file generated at the first start when the variable is unset.
        const current =
          config.masterKey !== undefined
            ? 'EVENTHOOK_MASTER_KEY'
            : `the master key in ${masterKeyPath(config.dataDir)}`;
        write(
          config.masterKeyPrevious.length > 0
            ? `Only ${current} opens them now: remove EVENTHOOK_MASTER_KEY_PREVIOUS from every process.`
            : `Only ${current} opens them.`,
        );
      } catch (err) {
        if (err instanceof Error && err.name === 'MasterKeyMismatch') throw new CliError(err.message);
        throw err;
      } finally {
        await store.close();
      }
    });
}

/**
 * The store's refusal of a database not at this version's schema, said for rekey, which never migrates: the store's
 * own words blame EVENTHOOK_MIGRATE=off, which an operator running rekey before migrate (an upgrade) never set.
 */
function notMigrated(err: unknown): CliError | undefined {
  if (isEventhookError(err, 'EH_STORE_SCHEMA_BEHIND')) {
    const { count, names } = err.params;
    return new CliError(
      `The database schema lacks ${String(count)} of the migrations this version needs (${String(names)}), and rekey does not migrate: run \`eventhook migrate\` first`,
    );
  }
  if (isEventhookError(err, 'EH_STORE_MISSING'))
    return new CliError(
      `The database ${String(err.params.database)} does not exist (rekey creates none): check EVENTHOOK_DATABASE_URL and EVENTHOOK_DATA_DIR`,
    );
  return undefined;
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
