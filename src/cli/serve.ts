// `eventhook serve`: runs the server (and workers) until SIGINT/SIGTERM, then shuts down gracefully.
import pino from 'pino';
import { createApp } from '../app.js';
import { databaseLabel, loadConfig, unknownEnvironmentVariables } from '../config/config.js';
import { CliError } from './cli-error.js';

export async function serve(opts: { config?: string; role?: string }): Promise<void> {
  // The command line wins over the environment, which wins over the file.
  const env = opts.role === undefined ? process.env : { ...process.env, EVENTHOOK_ROLE: opts.role };
  const config = loadConfig(env, { file: opts.config });
  const logger = pino({ level: config.logLevel });
  // Before anything opens: a misspelt variable may be why it fails (EVENTHOOK_DATABSE_URL left the default SQLite).
  for (const warning of unknownEnvironmentVariables(process.env)) logger.warn(warning);
  const app = await createApp(config, { logger });
  let url: string;
  try {
    url = await app.listen();
  } catch (err) {
    // The store already keeps the token's hash, so a first start that cannot listen must still show the token:
    // the next start would not make another.
    if (app.generatedOperatorToken) printOperatorToken(app.generatedOperatorToken, '');
    await app.close().catch(() => undefined);
    throw listenError(err, config.port, config.host);
  }
  app.logger.info({ url, store: databaseLabel(config.databaseUrl), role: config.role }, 'eventhook started');
  if (app.generatedOperatorToken) {
    printOperatorToken(
      app.generatedOperatorToken,
      config.role !== 'worker'
        ? `Try:  curl -H "Authorization: Bearer ${app.generatedOperatorToken}" ${url}/api/orgs\n\n`
        : 'Use it with the API processes of this deployment (set EVENTHOOK_ADMIN_TOKEN to choose it yourself).\n\n',
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (err) => {
        app.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

/**
 * Printed to stdout once, on the first start only: the store keeps just its hash. Whichever process of a deployment
 * starts first makes it; a worker serves no API (its URL answers only probes and /metrics), and a process that could
 * not listen has no URL at all, so those name none to try it on.
 */
function printOperatorToken(token: string, after: string): void {
  process.stdout.write(
    `\nOperator token (shown once — keep it; it can create orgs and act on any org):\n  ${token}\n\n${after}`,
  );
}

/** Why a server cannot listen, as the one-line failure the CLI prints, rather than the socket error's stack. */
function listenError(err: unknown, port: number, host: string): unknown {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new CliError(
        `port ${port} on ${host} is already in use (another eventhook, or another program)`,
        ['Stop it, or choose another port with PORT (or port: in the --config file).'],
      );
    case 'EADDRNOTAVAIL':
      return new CliError(`cannot listen on ${host}: it is not an address of this machine`, [
        'Set EVENTHOOK_HOST (or host: in the --config file) to one of its addresses, or 0.0.0.0 for all.',
      ]);
    case 'EACCES':
      return new CliError(`not allowed to listen on port ${port} (ports below 1024 need privileges)`, [
        'Choose another port with PORT (or port: in the --config file).',
      ]);
    default:
      return err;
  }
}
