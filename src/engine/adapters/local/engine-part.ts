// What each part of the local engine (executions, promises, the lease sweep) shares: the store, the transaction that
// commits a state change with its lifecycle events, and the wake-ups that end long-polls early.
import type { Bus } from '../../../bus/port.js';
import type { Clock } from '../../../core/clock.js';
import type { EventPublisher } from '../../../events/publisher.js';
import { stageEvents } from '../../../events/publisher.js';
import type { ExecutionsRepo, Store, StoreRepos } from '../../../store/port.js';
import type { NewEvent, PromiseRecord, TaskRecord, WorkflowRecord } from '../../../store/records.js';
import type { ExecutionKind } from '../../port.js';
import type { Waiters } from './waiters.js';

/** Long-polls re-read the store at least this often, to notice changes made by other processes. */
export const POLL_MS = 500;

export type Execution = WorkflowRecord | TaskRecord;

/** What an await of one promise waits on, and what its settlement rings. */
export function promiseTopic(org: string, id: string): string {
  return `promise.${org}.${id}`;
}

/**
 * A base class rather than a helper object each part holds, so the operations read as they did when the engine was
 * one class (`this.commit`, `this.ring`). Every part of one engine is given the same Waiters, so a ring from one part
 * wakes a long-poll in another.
 */
export abstract class EnginePart {
  constructor(
    protected readonly store: Store,
    protected readonly publisher: EventPublisher,
    protected readonly bus: Bus,
    protected readonly clock: Clock,
    protected readonly waiters: Waiters,
  ) {}

  protected repo(tx: StoreRepos, kind: ExecutionKind): ExecutionsRepo<Execution> {
    return (kind === 'workflow' ? tx.workflows : tx.tasks) as ExecutionsRepo<Execution>;
  }

  /** Runs a state change and its lifecycle events in one transaction, then announces the events. */
  protected async commit<T>(fn: (tx: StoreRepos) => Promise<{ value: T; events: NewEvent[] }>): Promise<T> {
    const { value, events } = await this.store.transaction(async (tx) => {
      const out = await fn(tx);
      await stageEvents(tx, out.events);
      return out;
    });
    await this.publisher.announce(events);
    return value;
  }

  protected ring(topic: string): void {
    this.waiters.wake(topic);
    void this.bus.publish('engine.wake', { topic });
  }

  /** Wakes the awaits of promises just settled (by a rule, or by their workflow's end), once committed. */
  protected ringPromises(promises: readonly PromiseRecord[]): void {
    for (const p of promises) this.ring(promiseTopic(p.org, p.id));
  }
}
