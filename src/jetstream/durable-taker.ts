// Taking messages from a durable JetStream consumer, for as long as it runs: each message is handed on as it comes
// (the handler acknowledges it, or hands it back), and when the consumer or its stream goes (an operator deleted it)
// they are made again and taking starts over. The failure is logged once until a message arrives again. Closing
// waits for the handlers under way.
import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

const RESTART_MS = 2_000;

export interface DurableTakerOptions {
  stream: string;
  consumer: string;
  /** What takes the messages, in log lines. */
  purpose: string;
  logger: Logger;
  /** Makes the stream and the consumer again. */
  remake: (connection: NatsConnection) => Promise<void>;
  take: (message: JsMsg, connection: NatsConnection) => Promise<void>;
}

export class DurableTaker {
  private messages: ConsumerMessages | undefined;
  private closed = false;
  private readonly taking = new Set<Promise<void>>();

  constructor(private readonly options: DurableTakerOptions) {}

  /** Takes messages on `connection` until closed or the connection closes (a new one gets its own run). */
  async run(connection: NatsConnection): Promise<void> {
    const { stream, consumer, purpose, logger } = this.options;
    const js = jetstream(connection);
    let failing = false;
    while (!this.closed && !connection.isClosed()) {
      try {
        const source = await js.consumers.get(stream, consumer);
        this.messages = await source.consume({ max_messages: 256, abort_on_missing_resource: true });
        for await (const m of this.messages) {
          failing = false;
          const work = this.options.take(m, connection);
          this.taking.add(work);
          void work.finally(() => this.taking.delete(work));
        }
      } catch (err) {
        if (this.closed) return;
        if (!failing) logger.error({ err, stream }, `${purpose}: taking messages stopped; starting again`);
        failing = true;
      }
      if (this.closed) return;
      await new Promise((r) => setTimeout(r, RESTART_MS).unref());
      await this.options.remake(connection).catch(() => {});
    }
  }

  /**
   * Stops taking and waits for the handlers under way; what was taken and not acknowledged goes to another taker
   * after the consumer's ack wait.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.messages?.close();
    await Promise.all(this.taking);
  }
}
