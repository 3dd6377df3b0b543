// The bus: the doorbell between the processes of a deployment (NATS) or within this one (memory).
import type { Logger } from 'pino';
import { MemoryBus } from '../bus/adapters/memory/index.js';
import { NatsBus } from '../bus/adapters/nats/index.js';
import type { Bus } from '../bus/port.js';
import type { Config } from '../config/config.js';

/** Rings the bus for a committed change; see `announcer`. */
export type Announce = <T>(subject: string, data: T) => void;

/** The configured bus; `natsBus` is the same bus when it is NATS, for readiness to show its connection. */
export function openBus(config: Config, logger: Logger): { bus: Bus; natsBus: NatsBus | undefined } {
  const onBusError = (err: unknown, subject: string) =>
    logger.error({ err, subject }, 'bus subscriber failed');
  const natsBus =
    config.bus.kind === 'nats'
      ? new NatsBus({ url: config.bus.url, prefix: config.bus.prefix, logger, onError: onBusError })
      : undefined;
  const bus: Bus = natsBus ?? new MemoryBus(onBusError);
  return { bus, natsBus };
}

/**
 * Rings the bus for a committed change, best effort: a message that cannot go out only leaves the other processes to
 * notice at their next sweep or cache expiry.
 */
export function announcer(bus: Bus, logger: Logger): Announce {
  return <T>(subject: string, data: T): void => {
    bus
      .publish<T>(subject, data)
      .catch((err: unknown) => logger.warn({ err, subject }, 'announcing a change failed'));
  };
}
