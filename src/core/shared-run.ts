// One job that many callers need done "from now on", shared: a caller gets a run that starts after its call (one
// under way may have begun before whatever the caller just did, so it does not count), and every caller arriving
// while that run waits to start shares it. At most one run is under way and one queued, however many call.
// Used for the WAL fsync (a flush covers every write made before it starts) and for a parked delivery's recheck of
// its endpoint (it must read what was stored after its own parking).

export class SharedRun {
  /** The run under way: it may have started before a caller's write, so a caller arriving now needs the next. */
  private current: Promise<void> | null = null;
  /** The run queued behind `current`, not started yet: it covers everything done before it starts. */
  private next: Promise<void> | null = null;

  constructor(private readonly job: () => Promise<void>) {}

  /** Resolves (or rejects) with a run of the job that started after this call. */
  run(): Promise<void> {
    if (this.next) return this.next;
    if (!this.current) return this.start();
    const next: Promise<void> = this.current.then(
      () => this.startQueued(next),
      () => this.startQueued(next),
    );
    this.next = next;
    return next;
  }

  /** Neither under way nor queued. */
  get idle(): boolean {
    return this.current === null && this.next === null;
  }

  private startQueued(self: Promise<void>): Promise<void> {
    if (this.next === self) this.next = null;
    return this.start();
  }

  private start(): Promise<void> {
    const run = this.job().finally(() => {
      if (this.current === run) this.current = null;
    });
    this.current = run;
    return run;
  }
}
