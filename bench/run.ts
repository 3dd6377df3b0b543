// Benchmark runner: `npm run bench -- <name>` runs bench/<name>.ts (or bench/<name>/index.ts).
// Each benchmark measures its own baseline in the same run and prints a ratio; figures go to docs/benchmarks.md.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const available = readdirSync(here)
  .filter((f) => f !== 'run.ts' && f !== 'lib' && f !== 'results')
  .map((f) => f.replace(/\.ts$/, ''));

if (names.length === 0) {
  console.log(`usage: npm run bench -- <name>\navailable: ${available.join(', ')}`);
  process.exit(1);
}
for (const name of names) {
  const file = [join(here, `${name}.ts`), join(here, name, 'index.ts')].find((f) => existsSync(f));
  if (!file) {
    console.error(`no benchmark named ${name}; available: ${available.join(', ')}`);
    process.exit(1);
  }
  console.log(`# bench ${name} — node ${process.version}, ${new Date().toISOString()}`);
  await import(pathToFileURL(file).href);
}
