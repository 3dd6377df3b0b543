// `npm start`: compiles the TypeScript and runs the compiled server, which is what a deployment should run. Where
// TypeScript is not installed (`npm install --omit=dev`) it runs the sources through tsx instead — never a build
// left from older sources. The server runs in this process, so the signals a supervisor sends reach it.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  tsc = undefined;
}
if (tsc) {
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
} else {
  console.error('TypeScript is not installed: running the sources through tsx');
  process.env.EVENTHOOK_FROM_SOURCE = '1';
}
const bin = fileURLToPath(new URL('../bin/eventhook.js', import.meta.url));
process.argv = [process.argv[0], bin, 'serve', ...process.argv.slice(2)];
await import(new URL('../bin/eventhook.js', import.meta.url).href);
