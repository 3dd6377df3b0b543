// SharedRun: callers share runs of a job, and each waits for a run that started after its call — what the WAL flush
// (durable only once an fsync began after the write) and a parked delivery's recheck (it must see its own parking)
// rely on.
import { describe, expect, it } from 'vitest';
import { SharedRun } from '../../src/core/shared-run.js';

/** A job whose runs end when the test says so; `starts` counts them. */
function gatedJob() {
  const gates: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  const job = {
    starts: 0,
    run: () =>
      new Promise<void>((resolve, reject) => {
        job.starts++;
        gates.push({ resolve, reject });
      }),
    end: (i: number, err?: Error) => (err ? gates[i]!.reject(err) : gates[i]!.resolve()),
  };
  return job;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('SharedRun', () => {
  it('gives a caller arriving during a run the next one, shared by everyone arriving meanwhile', async () => {
    const job = gatedJob();
    const shared = new SharedRun(job.run);
    const first = shared.run();
    const settled: string[] = [];
    const late = [shared.run(), shared.run(), shared.run()].map((p, i) =>
      p.then(() => settled.push(`late${i}`)),
    );
    expect(job.starts).toBe(1);
    job.end(0);
    await first;
    await tick();
    // The run under way began before the late calls: they wait for a second run, one for all three.
    expect(settled).toEqual([]);
    expect(job.starts).toBe(2);
    job.end(1);
    await Promise.all(late);
    expect(job.starts).toBe(2);
    expect(shared.idle).toBe(true);
  });

  it('passes a failed run to its callers and still runs the queued one', async () => {
    const job = gatedJob();
    const shared = new SharedRun(job.run);
    const failing = shared.run();
    const queued = shared.run();
    job.end(0, new Error('disk gone'));
    await expect(failing).rejects.toThrow('disk gone');
    await tick();
    expect(job.starts).toBe(2);
    job.end(1);
    await expect(queued).resolves.toBeUndefined();
  });
});
