// The store: the configured adapter opened with its schema prepared, and the master key that opens its secrets.
import type { Logger } from 'pino';
import { databaseLabel, type Config, type MigrateMode } from '../config/config.js';
import { checkMasterKey } from '../config/master-key-check.js';
import { EventhookError, isEventhookError } from '../core/errors.js';
import { SecretBox } from '../core/secret-box.js';
import { openPostgresStore } from '../store/adapters/postgres/index.js';
import { openSqliteStore } from '../store/adapters/sqlite/index.js';
import type { Store } from '../store/port.js';
import { prepareSchema } from '../store/prepare-schema.js';
import { isStoreOutage } from '../store/store-outage.js';
import { loadOrCreateMasterKey } from './master-key.js';

/**
 * Opens the configured store with its schema prepared as `migrate` says (EVENTHOOK_MIGRATE by default);
 * `migrated` names the migrations applied. A store whose schema does not fit is closed again, and the error thrown.
 */
export async function openStore(
  config: Config,
  logger?: Logger,
  migrate: MigrateMode = config.migrate,
): Promise<{ store: Store; migrated: string[] }> {
  try {
    return await openPrepared(config, logger, migrate);
  } catch (err) {
    throw cannotOpen(config.databaseUrl, err);
  }
}

/**
 * A database that cannot be opened at start (no server at that address, no such database, a password refused, a file
 * that cannot be made) as one line naming it, without its credentials, and the driver's reason, rather than the
 * driver's stack; the operator reads it, so the address is said. Eventhook's own refusals (a schema a newer version
 * migrated, migrations left to a deploy step) are said as they are.
 */
function cannotOpen(databaseUrl: string, err: unknown): unknown {
  if (isEventhookError(err) && !isStoreOutage(err)) return err;
  const driverError = isStoreOutage(err) && err.cause !== undefined ? err.cause : err;
  const reason = driverError instanceof Error ? driverError.message : String(driverError);
  return new EventhookError(
    'EH_STORE_OPEN_FAILED',
    { database: databaseLabel(databaseUrl), reason },
    { cause: err },
  );
}

async function openPrepared(
  config: Config,
  logger: Logger | undefined,
  migrate: MigrateMode,
): Promise<{ store: Store; migrated: string[] }> {
  const store = config.databaseUrl.startsWith('sqlite:')
    ? await openSqliteStore({
        path: config.databaseUrl.slice('sqlite:'.length),
        migrate: false,
        // A process that may not migrate could only refuse the empty database it made: none is made.
        create: migrate === 'auto',
      })
    : await openPostgresStore({
        url: config.databaseUrl,
        migrate: false,
        connectionTimeoutMs: config.pgConnectTimeoutMs,
        statementTimeoutMs: config.pgStatementTimeoutMs,
        migrateLockTimeoutMs: config.migrateLockTimeoutMs,
        onConnectionError: (err) =>
          logger?.warn({ err }, 'a PostgreSQL connection was lost; the pool reconnects on next use'),
      });
  try {
    return { store, migrated: await prepareSchema(store, migrate) };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/**
 * The app's store, migrated as configured, and the secret box of the master key, checked against the store's
 * secrets. A key that does not open them closes the store again, and the error is thrown.
 */
export async function openKeyedStore(
  config: Config,
  logger: Logger,
): Promise<{ store: Store; box: SecretBox }> {
  const { store, migrated } = await openStore(config, logger);
  if (migrated.length > 0) logger.info({ migrations: migrated }, 'migrated the database');
  // Before anything else connects (the bus): a process with another key than the store's stops here.
  const box = new SecretBox(
    config.masterKey ?? loadOrCreateMasterKey(config.dataDir, logger),
    config.masterKeyPrevious,
  );
  try {
    if ((await checkMasterKey(store, box)) === 'previous')
      logger.warn(
        'the store’s secrets are sealed with a previous master key (EVENTHOOK_MASTER_KEY_PREVIOUS): once every ' +
          'process runs with the new EVENTHOOK_MASTER_KEY, run `eventhook rekey`, then remove the previous key',
      );
  } catch (err) {
    await store.close();
    throw err;
  }
  return { store, box };
}
