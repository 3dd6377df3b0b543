// Causes of the executions started on an external engine (see migrations 013, 020 and 028), per org.
import type { Kysely } from 'kysely';
import type { ExecutionCausesRepo } from '../port.js';
import type { ExecutionCauseRecord } from '../records.js';
import type { Database } from '../schema.js';
import { pruneBefore } from './prune-in-batches.js';

export class KyselyExecutionCausesRepo implements ExecutionCausesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async remember(cause: ExecutionCauseRecord, made = false): Promise<boolean> {
    const row = {
      org: cause.org,
      execution_id: cause.executionId,
      event_id: cause.eventId,
      hops: cause.hops,
      created_at: cause.createdAt,
      correlation_id: cause.correlationId ?? null,
      traceparent: cause.traceparent ?? null,
    };
    const r = await this.db
      .insertInto('execution_causes')
      .values(row)
      // The first cause is the origin: a replay naming the same execution does not start it again. The start that
      // made it is its origin even when a concurrent one with the same key was answered first.
      .onConflict((oc) =>
        made
          ? oc.columns(['org', 'execution_id']).doUpdateSet({
              event_id: row.event_id,
              hops: row.hops,
              correlation_id: row.correlation_id,
              traceparent: row.traceparent,
            })
          : oc.columns(['org', 'execution_id']).doNothing(),
      )
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async of(org: string, executionId: string): Promise<ExecutionCauseRecord | undefined> {
    const row = await this.db
      .selectFrom('execution_causes')
      .selectAll()
      .where('org', '=', org)
      .where('execution_id', '=', executionId)
      .executeTakeFirst();
    return (
      row && {
        org: row.org,
        executionId: row.execution_id,
        eventId: row.event_id,
        hops: Number(row.hops),
        createdAt: Number(row.created_at),
        ...(row.correlation_id !== null ? { correlationId: row.correlation_id } : {}),
        ...(row.traceparent !== null ? { traceparent: row.traceparent } : {}),
      }
    );
  }

  async prune(before: number): Promise<number> {
    return pruneBefore(this.db, 'execution_causes', before);
  }
}
