// One connection to a NATS server that never stops Eventhook from starting: it is made in the background, tried
// again every few seconds while the server cannot be reached, and once made the client rides out outages itself
// (reconnecting and resubscribing). Whoever uses it learns the state for readiness, and sets up its subscriptions
// in `onConnect`, which runs once per connection.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

/** Between tries to reach NATS at start. */
const CONNECT_RETRY_MS = 2_000;

export interface NatsLinkOptions {
  url: string;
  /** What the link is for, in log lines. */
  purpose: string;
  logger: Logger;
  /** Echo off: a process does not receive what it publishes itself. */
  noEcho?: boolean;
  onConnect: (connection: NatsConnection) => void | Promise<void>;
}

export class NatsLink {
  private connection: NatsConnection | undefined;
  private readonly connecting: Promise<void>;
  private closed = false;
  /** Connected now: false from a disconnect until the client has reconnected. */
  private online = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: NatsLinkOptions) {
    this.connecting = this.connectUntilClosed();
  }

  get state(): 'connecting' | 'connected' | 'closed' {
    if (this.closed) return 'closed';
    return this.online ? 'connected' : 'connecting';
  }

  /** The connection while one is open (it may be between reconnects); undefined before the first. */
  get current(): NatsConnection | undefined {
    return this.closed ? undefined : this.connection;
  }

  /** Ends the tries, and closes the connection (flushed first when the server is there). */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.connecting;
    const connection = this.connection;
    if (!connection) return;
    // Draining hands over what is in flight, which needs the server: while it is away, just close.
    if (this.online) await connection.drain().catch(() => connection.close());
    else await connection.close();
  }

  private async connectUntilClosed(): Promise<void> {
    for (let tries = 1; !this.closed; tries++) {
      try {
        return await this.connect();
      } catch (err) {
        // Said once, then every hundredth try, so an outage does not flood the log.
        if (tries === 1 || tries % 100 === 0)
          this.options.logger.error(
            { err, tries, url: this.options.url },
            `${this.options.purpose}: cannot reach NATS; trying again`,
          );
        await this.pause(CONNECT_RETRY_MS);
      }
    }
  }

  private async connect(): Promise<void> {
    const connection = await connect({
      servers: this.options.url,
      name: 'eventhook',
      noEcho: this.options.noEcho ?? false,
      maxReconnectAttempts: -1,
    });
    if (this.closed) {
      await connection.close();
      return;
    }
    this.connection = connection;
    this.online = true;
    void this.followStatus(connection);
    await this.options.onConnect(connection);
    await connection.flush();
    this.options.logger.info({ url: this.options.url }, `${this.options.purpose}: connected to NATS`);
  }

  private async followStatus(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') this.online = false;
      if (status.type === 'reconnect') this.online = true;
    }
  }

  /** Sleeps, unless closed meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
