// One connection to a NATS server that never stops Eventhook from starting: it is made in the background, tried
// again every few seconds while the server cannot be reached, and once made the client rides out outages itself
// (reconnecting and resubscribing). Whoever uses it learns the state for readiness, and sets up its subscriptions
// in `onConnect`, which runs once per connection.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { within } from '../core/within.js';

/** Between tries to reach NATS (at start, and after the client gave up on a connection for good). */
const CONNECT_RETRY_MS = 2_000;
/** How long closing waits for what is in flight to be handed over before it just closes. */
const DRAIN_MS = 2_000;

export interface NatsLinkOptions {
  url: string;
  /** What the link is for, in log lines. */
  purpose: string;
  logger: Logger;
  /** Echo off: a process does not receive what it publishes itself. */
  noEcho?: boolean;
  onConnect: (connection: NatsConnection) => void | Promise<void>;
}

/** The server list for log lines: credentials (`user:pass@`, `token@`) masked. */
export function natsUrlLabel(url: string): string {
  return url.replace(/(^|\/\/|,)[^@/,]*@/g, '$1***@');
}

export class NatsLink {
  private connection: NatsConnection | undefined;
  private readonly running: Promise<void>;
  private closed = false;
  /** Connected now: false from a disconnect until the client has reconnected. */
  private online = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: NatsLinkOptions) {
    this.running = this.keepConnected();
  }

  get state(): 'connecting' | 'connected' | 'closed' {
    if (this.closed) return 'closed';
    return this.online ? 'connected' : 'connecting';
  }

  /** The connection while one is open (it may be between reconnects); undefined before the first. */
  get current(): NatsConnection | undefined {
    return this.closed ? undefined : this.connection;
  }

  /** Ends the tries, and closes the connection: what is in flight is handed over first, if the server takes it soon. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    const connection = this.connection;
    if (connection) {
      if (this.online) {
        await within(
          connection.drain().catch(() => {}),
          DRAIN_MS,
          () => {},
        );
      }
      await connection.close().catch(() => {});
    }
    await this.running;
  }

  /**
   * Connects, and connects again whenever the client closes for good (it rides out ordinary outages itself, but
   * gives up, for instance, after repeated authorization errors).
   */
  private async keepConnected(): Promise<void> {
    const where = { url: natsUrlLabel(this.options.url) };
    for (let tries = 1; !this.closed; tries++) {
      let connection: NatsConnection | undefined;
      try {
        connection = await connect({
          servers: this.options.url,
          name: 'eventhook',
          noEcho: this.options.noEcho ?? false,
          maxReconnectAttempts: -1,
        });
        if (this.closed) {
          await connection.close();
          break;
        }
        await this.options.onConnect(connection);
        await connection.flush();
        // Closed while setting up: close() saw no connection to close, so this one is closed here.
        if (this.closed) {
          await connection.close();
          break;
        }
      } catch (err) {
        // A connection whose setup failed goes, subscriptions and all, before the next try makes another.
        await connection?.close().catch(() => {});
        // Said once, then every hundredth try, so an outage does not flood the log.
        if (tries === 1 || tries % 100 === 0)
          this.options.logger.error(
            { err, tries, ...where },
            `${this.options.purpose}: cannot reach NATS; trying again`,
          );
        await this.pause(CONNECT_RETRY_MS);
        continue;
      }
      tries = 0;
      this.connection = connection;
      this.online = true;
      this.options.logger.info(where, `${this.options.purpose}: connected to NATS`);
      void this.followStatus(connection);
      const ended = await connection.closed();
      this.online = false;
      if (this.closed) break;
      this.options.logger.error(
        { err: ended, ...where },
        `${this.options.purpose}: the NATS connection closed; connecting again`,
      );
      await this.pause(CONNECT_RETRY_MS);
    }
  }

  /**
   * Follows an established connection through outages the client rides out itself: a warning when it is lost, a line
   * when it is back, once per change (readiness follows `online`).
   */
  private async followStatus(connection: NatsConnection): Promise<void> {
    const where = { url: natsUrlLabel(this.options.url) };
    for await (const status of connection.status()) {
      if (status.type === 'disconnect' && this.online) {
        this.online = false;
        if (!this.closed)
          this.options.logger.warn(
            { ...where, server: natsUrlLabel(status.server) },
            `${this.options.purpose}: lost the NATS connection; reconnecting`,
          );
      }
      if (status.type === 'reconnect' && !this.online) {
        this.online = true;
        this.options.logger.info(
          { ...where, server: natsUrlLabel(status.server) },
          `${this.options.purpose}: reconnected to NATS`,
        );
      }
    }
  }

  /** Sleeps, unless closed meanwhile; never keeps the process alive by itself. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
