// Ingest batches commit on a thread of their own. Executing a batch's statements, writing its log frames and
// flushing them was about a third of the HTTP thread's time under full ingest load (bench/ingest); on this
// thread's own connection that work overlaps the parsing and verifying of the next requests. While the thread holds
// SQLite's write lock, the main connection waits for it on a timer, not blocking (DurableSqliteDriver).
import type { Worker } from 'node:worker_threads';
import type { IngestOutcome } from '../../port.js';
import type { IngestPlan } from '../../kysely/ingest-batch.js';
import { diskFull, lockedTooLong } from './durable-driver.js';
import { startThread } from './thread.js';

export interface WriterSetup {
  path: string;
  /** Pragmas for the thread's connection, as `name = value`. */
  pragmas: string[];
}

export type WriterRequest = { id: number; plan: IngestPlan; close?: never } | { close: true };

export type WriterAnswer =
  | { id: number; outcomes: IngestOutcome[]; error?: never }
  | { id: number; error: { message: string; code: string | undefined } };

/** The answers to the plans of one commit. */
export interface WriterResponse {
  answers: WriterAnswer[];
}

interface Pending {
  resolve: (outcomes: IngestOutcome[]) => void;
  reject: (err: Error) => void;
}

export class IngestWriter {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly setup: WriterSetup) {}

  /**
   * Commits the plan in one transaction, shared with the plans sent while the thread was busy; resolves once that
   * is durable. Plans run in the order given.
   */
  commit(plan: IngestPlan): Promise<IngestOutcome[]> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, plan } satisfies WriterRequest);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.ref(); // else nothing would keep the process alive until the thread has closed its connection
    worker.postMessage({ close: true } satisfies WriterRequest);
    await exited;
  }

  private start(): Worker {
    const worker = startThread('ingest-writer-thread', this.setup);
    worker.on('message', ({ answers }: WriterResponse) => {
      for (const answer of answers) {
        const pending = this.pending.get(answer.id);
        this.pending.delete(answer.id);
        if (answer.error) pending?.reject(failure(answer.error));
        else pending?.resolve(answer.outcomes);
      }
      if (this.pending.size === 0) worker.unref();
    });
    // A thread that dies fails what it held; the next batch starts a new one.
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the SQLite writer thread exited (${code})`)));
    worker.unref();
    return worker;
  }
}

/** What the log names as the statement of a failed batch. */
const BATCH = 'an ingest batch (the writer thread)';

/**
 * The thread's error as the main thread raises it: a lock held elsewhere past the busy wait as the store's timeout, a
 * full disk as the store being unavailable.
 */
function failure(error: { message: string; code: string | undefined }): Error {
  const raw = Object.assign(new Error(error.message), error);
  if (error.code === 'SQLITE_BUSY') return lockedTooLong(BATCH, raw);
  if (error.code === 'SQLITE_FULL') return diskFull(BATCH, raw);
  return raw;
}
