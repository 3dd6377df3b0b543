// `id in (subquery)` for statements whose subquery locks and limits (FOR UPDATE SKIP LOCKED … LIMIT n): take the
// first n rows nobody else holds, then update them. PostgreSQL may run such a subquery again for each row the
// statement updates, and a rerun no longer sees the rows this statement just changed (nor locks them), so it takes
// the next ones: a wake meant for one FIFO message woke two. `id = any(array(subquery))` runs it once.
import { sql, type Expression, type SqlBool } from 'kysely';
import type { StoreKind } from '../port.js';

export function idInOnce(kind: StoreKind, ids: Expression<unknown>): Expression<SqlBool> {
  return kind === 'postgres'
    ? sql<SqlBool>`${sql.ref('id')} = any(array(${ids}))`
    : sql<SqlBool>`${sql.ref('id')} in (${ids})`;
}
