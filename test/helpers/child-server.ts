// Runs `eventhook serve` as a real child process, for crash-safety tests that kill it with SIGKILL, and for the
// compiled server's test (`entry`: a compiled cli/main.js instead of the sources).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/eventhook.js', import.meta.url));

export interface ChildServer {
  url: string;
  process: ChildProcess;
  output: () => string;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function startChildServer(
  env: Record<string, string>,
  { entry = BIN }: { entry?: string } = {},
): Promise<ChildServer> {
  const child = spawn(process.execPath, [entry, 'serve'], {
    env: {
      ...process.env,
      EVENTHOOK_FROM_SOURCE: '1',
      PORT: '0',
      EVENTHOOK_HOST: '127.0.0.1',
      EVENTHOOK_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"eventhook started"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    process: child,
    output: () => out,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
