// NATS bus adapter: the doorbell rings across processes. Every message is delivered in this process as the memory
// bus delivers it, and published on NATS as `{prefix}.{subject}` (JSON) for the other processes of the same
// deployment, which deliver it to their own subscribers. So an API process that commits an event wakes the worker
// processes' routers at once instead of at their next sweep, and a live stream served by one process shows the
// actions other processes settle. The store stays the truth: a message lost while NATS is away only means the
// sweeps find the work, as they do without NATS.
import type { Logger } from 'pino';
import { NatsLink } from '../../nats-link.js';
import type { Bus, BusHandler, Subscription } from '../../port.js';
import { MemoryBus } from '../memory/index.js';

export interface NatsBusOptions {
  url: string;
  /** Subject prefix shared by the processes of one deployment (several deployments may share a NATS server). */
  prefix: string;
  logger: Logger;
  onError?: (err: unknown, subject: string) => void;
}

export class NatsBus implements Bus {
  private readonly local: MemoryBus;
  private readonly link: NatsLink;
  private readonly prefix: string;

  constructor(options: NatsBusOptions) {
    this.local = new MemoryBus(options.onError);
    this.prefix = `${options.prefix}.`;
    this.link = new NatsLink({
      url: options.url,
      purpose: 'bus',
      logger: options.logger,
      // This process delivers its own messages itself, without the round trip.
      noEcho: true,
      onConnect: (connection) => {
        connection.subscribe(`${this.prefix}>`, {
          callback: (err, msg) => {
            if (err) return options.logger.error({ err }, 'bus subscription failed');
            let data: unknown;
            try {
              data = msg.json();
            } catch (e) {
              return options.logger.warn(
                { err: e, subject: msg.subject },
                'bus message is not JSON; ignored',
              );
            }
            void this.local.publish(msg.subject.slice(this.prefix.length), data);
          },
        });
      },
    });
  }

  /** For readiness: whether other processes hear this one now. */
  get state(): 'connecting' | 'connected' | 'closed' {
    return this.link.state;
  }

  async publish<T>(subject: string, data: T): Promise<void> {
    await this.local.publish(subject, data);
    const connection = this.link.current;
    if (!connection) return;
    try {
      // While the client reconnects, it buffers what is published and sends it once back.
      connection.publish(`${this.prefix}${subject}`, JSON.stringify(data));
    } catch {
      // Closed under us (shutting down): the other processes' sweeps cover it.
    }
  }

  subscribe<T>(pattern: string, handler: BusHandler<T>): Subscription {
    return this.local.subscribe(pattern, handler);
  }

  async close(): Promise<void> {
    await this.link.close();
    await this.local.close();
  }
}
