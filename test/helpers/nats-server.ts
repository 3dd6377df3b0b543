// A NATS server of a test's own (Debian's nats-server on a free loopback port), which the test may kill and start
// again to play an outage; and a port where nothing listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { eventually } from './app.js';
import { REQUIRE_SERVICES } from './services.js';

const NATS_SERVER = '/usr/sbin/nats-server';

/** Whether nats-server is installed; with EVENTHOOK_REQUIRE_SERVICES=1 its absence is an error, not a skip. */
export function natsServerInstalled(): boolean {
  if (existsSync(NATS_SERVER)) return true;
  if (REQUIRE_SERVICES) throw new Error(`${NATS_SERVER} is missing; EVENTHOOK_REQUIRE_SERVICES=1`);
  console.warn(`SKIP: ${NATS_SERVER} is missing — the NATS outage tests are skipped.`);
  return false;
}

/** A loopback port nothing listens on (just freed). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export class PrivateNats {
  private process: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async onFreePort(): Promise<PrivateNats> {
    return new PrivateNats(await freePort());
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port)], { stdio: 'ignore' });
    await eventually(async () => (await portOpen(this.port)) || undefined, 10_000, 'nats-server to listen');
  }

  /** Kills it (SIGKILL) and waits until it is gone. */
  async kill(): Promise<void> {
    const p = this.process;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await exited;
  }
}
