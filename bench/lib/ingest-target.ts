// A server for bench/ingest.ts, run as its own process so the load generator never shares its event loop:
// `eventhook` (the real app over a SQLite file with production durability: WAL, synchronous=FULL, group commit,
// routing workers on) or `bare` (Fastify answering 200 with no work). Prints one JSON line {url} when listening.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import pino from 'pino';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';

export const BENCH_TOKEN = 'eho_bench-operator-token';

const mode = process.argv[2];

if (mode === 'bare') {
  const app = Fastify({ logger: false });
  // Reads the body (the request must be consumed) but does nothing with it: no parsing, no work.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null));
  app.post('/in/:source', async (_req, reply) => reply.code(200).send('ok'));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(JSON.stringify({ url }));
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
} else if (mode === 'eventhook') {
  const dataDir = mkdtempSync(join(tmpdir(), 'eventhook-bench-'));
  const config = loadConfig(
    {
      PORT: '0',
      EVENTHOOK_HOST: '127.0.0.1',
      EVENTHOOK_DATA_DIR: dataDir,
      EVENTHOOK_ADMIN_TOKEN: BENCH_TOKEN,
      EVENTHOOK_LOG_LEVEL: process.env.EVENTHOOK_LOG_LEVEL ?? 'info',
      ...(process.env.EVENTHOOK_ROLE ? { EVENTHOOK_ROLE: process.env.EVENTHOOK_ROLE } : {}),
    },
    { cwd: dataDir },
  );
  // Logs go to /dev/null-like sink at production level: what a deployment would pay for them, minus the terminal.
  const app = await createApp(config, {
    logger: pino({ level: config.logLevel }, pino.destination('/dev/null')),
  });
  const url = await app.listen();
  console.log(JSON.stringify({ url, dataDir }));
  process.on('SIGTERM', () => {
    void app.close().then(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  });
} else {
  console.error('usage: ingest-target.ts eventhook|bare');
  process.exit(2);
}
