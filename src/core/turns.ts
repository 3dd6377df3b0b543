// Long synchronous runs (matching a batch, a backtest's filter calls) hand the event loop back by elapsed time, not
// by a count of steps: one step may be a sandboxed call that runs to its CPU limit, and a count that is harmless for
// microsecond steps would then hold every other request of the process for seconds.

/** Time a run may keep the event loop before it lets what is waiting (answers, requests, timers) go first. */
export const TURN_SLICE_MS = 10;

export class Turns {
  private since = performance.now();

  constructor(private readonly sliceMs = TURN_SLICE_MS) {}

  /** True once the run has held the event loop for its slice since it last gave a turn. */
  spent(): boolean {
    return performance.now() - this.since >= this.sliceMs;
  }

  /** Lets the event loop run everything that is waiting, then starts a new slice. */
  async give(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.since = performance.now();
  }
}
