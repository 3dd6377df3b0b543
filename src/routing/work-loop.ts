// A self-rescheduling background loop: `kick()` asks for a pass soon; passes never overlap, and a kick during a
// pass makes one more pass afterwards. An idle loop still runs every `intervalMs` (the sweeper), so work that no
// doorbell announced — after a crash, or from another process — is found anyway.

/** Told how each pass ended (a RepeatedFailureLog, which logs an outage once rather than every pass). */
export interface PassLog {
  failed(err: unknown): void;
  succeeded(): void;
}

export class WorkLoop {
  private running = false;
  private again = false;
  /** Until start(), kicks are ignored: a process whose role excludes this loop never runs it. */
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> = Promise.resolve();

  constructor(
    private readonly pass: () => Promise<{ more: boolean; wakeAt?: number | null }>,
    private readonly intervalMs: number,
    private readonly passLog: PassLog,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.stopped = false;
    this.kick();
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    clearTimeout(this.timer);
    this.current = this.run();
  }

  private async run(): Promise<void> {
    let wakeAt: number | null | undefined;
    try {
      do {
        this.again = false;
        const r = await this.pass();
        wakeAt = r.wakeAt;
        if (r.more) this.again = true;
      } while (this.again && !this.stopped);
      this.passLog.succeeded();
    } catch (err) {
      this.passLog.failed(err);
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    const delay =
      wakeAt == null ? this.intervalMs : Math.max(0, Math.min(this.intervalMs, wakeAt - this.now()));
    this.timer = setTimeout(() => this.kick(), delay);
    this.timer.unref?.();
  }

  /** Stops scheduling and waits for the pass under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }
}
