// What the action worker is given: its options, and the metrics, log and dead-action hook it reports to.
import type { ActionRecord } from '../store/records.js';
import type { EndpointCap } from './endpoint-slots.js';

export interface ActionWorkerOptions {
  concurrency: number;
  leaseMs: number;
  /**
   * Who holds the leases this worker takes (its presence id): when its heartbeats stop, the workers still alive
   * take its actions back without waiting for the leases to run out (see orphaned-leases.ts).
   */
  holder?: string;
  /**
   * How many actions of one endpoint may run at once in this worker (see EndpointSlots). Without it, actions are
   * claimed in due order regardless of their endpoint.
   */
  endpointCap?: EndpointCap;
  metrics?: ActionMetrics;
}

/** What the worker reports for metrics (SPEC §10: action outcomes, delivery latency, queue depth). */
export interface ActionMetrics {
  /** An attempt was recorded: `outcome` as stored on it, or `dead` when it was the action's last. */
  attempted(target: string, outcome: string, latencyMs: number): void;
  /** An action was held back without an attempt (endpoint paused, circuit open, limits, FIFO). */
  deferred(target: string, reason: string): void;
  /** Attempts under way in this worker. */
  inFlight(count: number): void;
}

export interface ActionLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Hooks for target types that need to know when an action dies (webhooks emit delivery.dead). */
export type OnDead = (action: ActionRecord, error: string) => Promise<void>;
