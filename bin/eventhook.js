#!/usr/bin/env node
// Runs the compiled CLI when built (npm run build), otherwise — or with EVENTHOOK_FROM_SOURCE=1, as the tests do,
// so a stale build never hides a change — the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (existsSync(built) && process.env.EVENTHOOK_FROM_SOURCE !== '1') {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
