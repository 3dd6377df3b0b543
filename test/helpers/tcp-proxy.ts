// A TCP proxy a test puts between a client and a server, to cut the line (every open connection dropped, new ones
// refused at once) and to restore it, as a network outage would, without touching the server; or to make the server
// stop answering (connections kept open, nothing passed), as a stalled or unreachable host would.
import { connect, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private down = false;
  /** No byte passes either way; new connections are accepted and never answered. */
  private stalled = false;
  private losing: { after: RegExp; then: RegExp } | undefined;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on a free port of 127.0.0.1 and forwards each connection to `host:port`. */
  static async start(host: string, port: number): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    server.on('connection', (client: Socket) => proxy.accept(client, host, port));
    return proxy;
  }

  /**
   * A proxy to the PostgreSQL server of `databaseUrl`, and the same database reached through it: a test cuts or
   * stalls the proxy to make the database stop answering one process while others still reach it.
   */
  static async toDatabase(databaseUrl: string): Promise<{ proxy: TcpProxy; url: string }> {
    const direct = new URL(databaseUrl);
    const proxy = await TcpProxy.start(direct.hostname, Number(direct.port || 5432));
    const via = new URL(direct);
    via.host = `127.0.0.1:${proxy.port}`;
    return { proxy, url: via.toString() };
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Drops every open connection, and refuses new ones until `restore`. */
  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.down = false;
    this.stalled = false;
  }

  /**
   * On the next connection whose client sends `after` and then `then` (say an insert, then the commit of its
   * transaction), every answer from the server from `then` on is lost: the server did the work, the client never
   * hears of it, as when a line breaks just after a commit. Other connections pass as before.
   */
  loseAnswer(after: RegExp, then: RegExp): void {
    this.losing = { after, then };
  }

  /** Keeps every connection open but passes nothing, either way, from now on. */
  stall(): void {
    this.stalled = true;
  }

  /** Stalls, and drops the connections already open: the client must open new ones, which are never answered. */
  blackhole(): void {
    this.stalled = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, host: string, port: number): void {
    if (this.down) return void client.destroy();
    if (this.stalled) {
      this.sockets.add(client);
      client.on('error', () => {});
      client.on('close', () => this.sockets.delete(client));
      return;
    }
    const upstream = connect(port, host);
    // This connection's progress towards losing its answers (loseAnswer): armed once `after` went by, lost after `then`.
    let armed = false;
    let lost = false;
    const watch = (chunk: Buffer) => {
      const losing = this.losing;
      if (!losing || lost) return;
      const text = chunk.toString('latin1');
      if (!armed) armed = losing.after.test(text);
      if (armed && losing.then.test(text)) {
        lost = true;
        this.losing = undefined;
      }
    };
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(a);
      a.on('data', (chunk: Buffer) => {
        if (a === client) watch(chunk);
        if (!this.stalled && !(lost && a === upstream)) b.write(chunk);
      });
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.sockets.delete(a);
        b.destroy();
      });
    }
  }
}
