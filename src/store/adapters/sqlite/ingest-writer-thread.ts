// The SQLite writer thread (see ingest-writer.ts): its own connection to the database file, running each ingest
// batch it is sent in one transaction, durably (synchronous = FULL), in the order sent.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { EventId } from '../../../core/ids.js';
import type { IngestOutcome } from '../../port.js';
import { sortOutDuplicates, type IngestPlan, type PlannedKey } from '../../kysely/ingest-batch.js';
import type { WriterAnswer, WriterRequest, WriterResponse, WriterSetup } from './ingest-writer.js';

const { path, pragmas } = workerData as WriterSetup;
const db = new Database(path);
for (const pragma of pragmas) db.pragma(pragma);

const statements = new Map<string, Database.Statement>();
function prepare(sql: string): Database.Statement {
  let statement = statements.get(sql);
  if (!statement) statements.set(sql, (statement = db.prepare(sql)));
  return statement;
}

/**
 * Commits the plans in one transaction: the plans that queued up while the last commit ran share its flush.
 * Each plan's outcomes come back in its own list; a key repeated across plans is a duplicate of its first use.
 */
async function commit(plans: readonly IngestPlan[]): Promise<IngestOutcome[][]> {
  const items = plans.flatMap((plan) => {
    const statements = {
      claimKey: prepare(plan.sql.claim),
      keyHolder: prepare(plan.sql.holder),
      insertRow: prepare(plan.sql.insert),
      sameRequest: prepare(plan.sql.sameRequest),
      repoint: prepare(plan.sql.repoint),
    };
    return plan.items.map((item) => ({ ...item, ...statements }));
  });
  db.exec('begin immediate');
  try {
    // Every step below is synchronous: the commit finishes within this turn, so nothing interleaves with it.
    const holder = (item: (typeof items)[number], key: PlannedKey) =>
      (item.keyHolder.get(key.holder) as { event_id: EventId } | undefined)?.event_id;
    const { outcomes, fresh } = await sortOutDuplicates(items, {
      claim: (item, key) => {
        if (item.claimKey.all(key.claim).length > 0) return undefined;
        const held = holder(item, key);
        if (held === undefined) throw new Error('an idempotency key vanished while being claimed');
        return held;
      },
      holder,
      // Both are asked only of an item with both keys, which has its pair's parameters.
      sameRequest: (item) => item.sameRequest.get(item.pair!.sameRequest) !== undefined,
      repoint: (item) => void item.repoint.run(item.pair!.repoint),
    });
    for (const item of fresh) item.insertRow.run(item.insert);
    db.exec('commit');
    let at = 0;
    return plans.map((plan) => outcomes.slice(at, (at += plan.items.length)));
  } catch (err) {
    if (db.inTransaction) db.exec('rollback');
    throw err;
  }
}

let queued: Extract<WriterRequest, { id: number }>[] = [];

async function commitQueued(): Promise<void> {
  const requests = queued;
  if (requests.length === 0) return;
  queued = [];
  const answers: WriterAnswer[] = [];
  try {
    const outcomes = await commit(requests.map((r) => r.plan));
    requests.forEach((r, i) => answers.push({ id: r.id, outcomes: outcomes[i]! }));
  } catch (err) {
    // A plan that cannot be written must fail alone: with others, each goes again in a transaction of its own.
    // Not once the lock was found held elsewhere past busy_timeout (SQLITE_BUSY), or the disk full (SQLITE_FULL):
    // that is no plan's fault, and each of the rest would wait as long again, or fail the same way.
    let failRest: unknown = requests.length === 1 || isStoreWide(err) ? err : undefined;
    for (const r of requests) {
      if (failRest !== undefined) {
        answers.push({ id: r.id, error: describe(failRest) });
        continue;
      }
      try {
        answers.push({ id: r.id, outcomes: (await commit([r.plan]))[0]! });
      } catch (one) {
        answers.push({ id: r.id, error: describe(one) });
        if (isStoreWide(one)) failRest = one;
      }
    }
  }
  parentPort!.postMessage({ answers } satisfies WriterResponse);
}

function isStoreWide(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_FULL';
}

function describe(err: unknown): { message: string; code: string | undefined } {
  const { message, code } = err as { message?: string; code?: string };
  return { message: message ?? String(err), code };
}

parentPort!.on('message', (request: WriterRequest) => {
  if (request.close) {
    // What was sent before the close is committed first.
    void commitQueued().finally(() => {
      db.close();
      parentPort!.close();
    });
    return;
  }
  // The plans that arrived while a commit ran are all delivered before the next turn's commit.
  if (queued.push(request) === 1) setImmediate(() => void commitQueued());
});
