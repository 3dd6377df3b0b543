// `eventhook serve`: runs the server (and workers) until SIGINT/SIGTERM, then shuts down gracefully.
import { createApp } from '../app.js';
import { loadConfig } from '../config/config.js';

/** The database URL without its credentials, for logs and messages. */
export function databaseLabel(databaseUrl: string): string {
  return databaseUrl.startsWith('sqlite:') ? databaseUrl : databaseUrl.replace(/\/\/[^@/]*@/, '//***@');
}

export async function serve(opts: { config?: string }): Promise<void> {
  const config = loadConfig(process.env, { file: opts.config });
  const app = await createApp(config);
  const url = await app.listen();
  app.logger.info({ url, store: databaseLabel(config.databaseUrl), role: config.role }, 'eventhook started');
  if (app.generatedOperatorToken) {
    // Printed to stdout once, on the first start only: the store keeps just its hash.
    process.stdout.write(
      `\nOperator token (shown once — keep it; it can create orgs and act on any org):\n  ${app.generatedOperatorToken}\n\n` +
        `Try:  curl -H "Authorization: Bearer ${app.generatedOperatorToken}" ${url || 'http://localhost:' + config.port}/api/orgs\n\n`,
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
