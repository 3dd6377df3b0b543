// Benchmark runner: `npm run bench -- <name>` runs bench/<name>.ts (or bench/<name>/index.ts).
// Each benchmark measures its own baseline in the same run and prints a ratio; figures go to docs/benchmarks.md.
// Benchmarks measure what production runs: the compiled JavaScript (`npm start` builds and runs it; tsx's
// transpiled sources carry per-closure helpers and cost a few percent more per request). So the runner compiles
// src and bench into dist and runs the benchmark from there, in a process of its own. BENCH_FROM_SOURCE=1 runs the
// TypeScript sources through tsx instead.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const fromSource = process.env.BENCH_FROM_SOURCE === '1';
const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const available = readdirSync(here)
  .filter((f) => f !== 'run.ts' && f !== 'lib' && f !== 'results')
  .map((f) => f.replace(/\.ts$/, ''));

if (names.length === 0) {
  console.log(`usage: npm run bench -- <name>\navailable: ${available.join(', ')}`);
  process.exit(1);
}
if (!fromSource) {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.bench.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
for (const name of names) {
  const file = [join(here, `${name}.ts`), join(here, name, 'index.ts')].find((f) => existsSync(f));
  if (!file) {
    console.error(`no benchmark named ${name}; available: ${available.join(', ')}`);
    process.exit(1);
  }
  console.log(
    `# bench ${name} — node ${process.version}, ${new Date().toISOString()}, ${fromSource ? 'from source (tsx)' : 'compiled'}`,
  );
  if (fromSource) {
    await import(pathToFileURL(file).href);
    continue;
  }
  const compiled = join(root, 'dist', file.slice(root.length + 1)).replace(/\.ts$/, '.js');
  const run = spawnSync(process.execPath, [compiled], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
