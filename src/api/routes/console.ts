// The web console (SPEC §10): static files from the package's console/ folder, served at / and /console/*. The
// page calls the same API as every other client with the key the user signs in with, so it needs no routes or
// rights of its own. Files are read once at start; the policy headers keep the page to its own scripts and API.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

const HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** The console folder: beside src/ when run from the sources, beside dist/ when compiled. */
function consoleDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'console');
    try {
      if (statSync(join(candidate, 'index.html')).isFile()) return candidate;
    } catch {
      // not here; one folder up
    }
    dir = dirname(dir);
  }
  return undefined;
}

function readAll(root: string): Map<string, { type: string; body: Buffer }> {
  const files = new Map<string, { type: string; body: Buffer }>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (TYPES[extname(entry.name)])
        files.set(relative(root, path).split(sep).join('/'), {
          type: TYPES[extname(entry.name)]!,
          body: readFileSync(path),
        });
    }
  };
  walk(root);
  return files;
}

export const consoleRoutes: FastifyPluginAsync = async (app) => {
  const root = consoleDir();
  if (!root) {
    app.log.warn('the console/ folder is missing: no web console at /');
    return;
  }
  const files = readAll(root);
  const index = files.get('index.html')!;
  app.get('/', { schema: { hide: true } }, async (_req, reply) =>
    reply.headers(HEADERS).type(index.type).send(index.body),
  );
  app.get<{ Params: { '*': string } }>('/console/*', { schema: { hide: true } }, async (req, reply) => {
    const file = files.get(req.params['*']);
    if (!file) return reply.code(404).type('text/plain').send('not found');
    return reply.headers(HEADERS).type(file.type).send(file.body);
  });
};
