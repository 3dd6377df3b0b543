// `eventhook serve`: runs the server (and workers) until SIGINT/SIGTERM, then shuts down gracefully.
import { createApp } from '../app.js';
import { loadConfig } from '../config/config.js';

/** The database URL without its credentials, for logs and messages. */
export function databaseLabel(databaseUrl: string): string {
  return databaseUrl.startsWith('sqlite:') ? databaseUrl : databaseUrl.replace(/\/\/[^@/]*@/, '//***@');
}

export async function serve(opts: { config?: string; role?: string }): Promise<void> {
  // The command line wins over the environment, which wins over the file.
  const env = opts.role === undefined ? process.env : { ...process.env, EVENTHOOK_ROLE: opts.role };
  const config = loadConfig(env, { file: opts.config });
  const app = await createApp(config);
  const url = await app.listen();
  app.logger.info({ url, store: databaseLabel(config.databaseUrl), role: config.role }, 'eventhook started');
  if (app.generatedOperatorToken) {
    // Printed to stdout once, on the first start only: the store keeps just its hash. Whichever process of a
    // deployment starts first makes it; a worker serves no API (its URL answers only probes and /metrics), so it
    // names no URL to try it on.
    process.stdout.write(
      `\nOperator token (shown once — keep it; it can create orgs and act on any org):\n  ${app.generatedOperatorToken}\n\n` +
        (config.role !== 'worker'
          ? `Try:  curl -H "Authorization: Bearer ${app.generatedOperatorToken}" ${url}/api/orgs\n\n`
          : 'Use it with the API processes of this deployment (set EVENTHOOK_ADMIN_TOKEN to choose it yourself).\n\n'),
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
