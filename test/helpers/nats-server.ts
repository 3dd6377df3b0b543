// A NATS server of a test's own (Debian's nats-server on a free loopback port), which the test may kill and start
// again to play an outage; and a port where nothing listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  private constructor(
    readonly port: number,
    /** With JetStream: where it keeps its streams, across kills and starts. */
    private readonly storeDir: string | undefined,
  ) {}

  static async onFreePort(opts: { jetstream?: boolean } = {}): Promise<PrivateNats> {
    const storeDir = opts.jetstream ? mkdtempSync(join(tmpdir(), 'eventhook-nats-')) : undefined;
    return new PrivateNats(await freePort(), storeDir);
  }

  /** Kills it and removes what JetStream kept. */
  async dispose(): Promise<void> {
    await this.kill();
    if (this.storeDir) rmSync(this.storeDir, { recursive: true, force: true });
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const jetstream = this.storeDir ? ['-js', '-sd', this.storeDir] : [];
    this.process = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port), ...jetstream], {
      stdio: 'ignore',
    });
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
