// Runs the real `eventhook` CLI as a child process (node bin/eventhook.js …), as a user would, against a real server.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { eventually, OPERATOR_TOKEN, type TestApp } from '../helpers/app.js';

const BIN = fileURLToPath(new URL('../../bin/eventhook.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a CLI child: this process's, minus any EVENTHOOK_* of the developer's shell, plus `env`. */
export function childEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('EVENTHOOK_') && k !== 'PORT'),
  );
  // Always the sources under test, never a build that may be stale.
  return { ...base, EVENTHOOK_FROM_SOURCE: '1', ...env };
}

/** Connection settings for a test server, as the CLI reads them from the environment. */
export function serverEnv(t: TestApp): Record<string, string> {
  return { EVENTHOOK_URL: t.url, EVENTHOOK_KEY: OPERATOR_TOKEN };
}

/** Starts the CLI; `result` settles when it exits. */
export function startCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): { child: ChildProcess; output: () => CliResult; result: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const result = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, output: () => ({ code: child.exitCode, stdout, stderr }), result };
}

/** Waits until a `serve` started with startCli logs that it started, and returns its URL; fails if it exits first. */
export async function startedUrl(
  server: ReturnType<typeof startCli>,
  what = 'the server to start',
): Promise<string> {
  return eventually(
    async () => {
      const out = server.output();
      if (out.code !== null) throw new Error(`serve exited ${out.code}: ${out.stderr}`);
      return /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"eventhook started"/.exec(out.stdout)?.[1];
    },
    60_000,
    what,
  );
}

export async function runCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 60_000,
): Promise<CliResult> {
  const run = startCli(args, env);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  try {
    return await run.result;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the CLI and parses its stdout as JSON; fails with the CLI's stderr when it did not exit 0. */
export async function runJson<T = any>(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<T> {
  const r = await runCli([...args, '-o', 'json'], env);
  if (r.code !== 0) throw new Error(`eventhook ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

const tempDirs: string[] = [];
// Registered while the test file that imports these helpers is collected: it runs after that file's tests.
afterAll(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder for files the CLI reads; removed after the test file. */
export function tempDir(): { dir: string; write(name: string, text: string): string } {
  const dir = mkdtempSync(join(tmpdir(), 'eventhook-cli-'));
  tempDirs.push(dir);
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}
