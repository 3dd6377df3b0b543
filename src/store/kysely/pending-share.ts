// The WHERE clause of one worker's share of the pending events (PendingShare), in both dialects. The share is a
// filter on the rows the (status, id) index yields in id order, so with n workers a read looks at about n rows for
// each one it keeps — no new index, no column to keep up to date.
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { PendingShare, StoreKind } from '../port.js';
import type { Database } from '../schema.js';

type Where = (eb: ExpressionBuilder<Database, 'events'>) => Expression<SqlBool>;

/** idShare (src/routing/routing-share.ts) in SQL: SQLite calls a character's code unicode(), PostgreSQL ascii(). */
function idShareOf(kind: StoreKind, count: number) {
  const code = sql.raw(kind === 'postgres' ? 'ascii' : 'unicode');
  return sql<number>`(${code}(substr(id, length(id), 1)) + ${code}(substr(id, length(id) - 1, 1))) % ${sql.lit(count)}`;
}

export function pendingShareWhere(kind: StoreKind, share: PendingShare): Where {
  const { mine, all } = share.wholeOrgs;
  const byId = idShareOf(kind, share.count);
  const others = all.filter((org) => !mine.includes(org));
  return (eb) => {
    const keyedById = (op: '=' | '<>') =>
      eb.and([...(all.length > 0 ? [eb('org', 'not in', all)] : []), eb(byId, op, share.rank)]);
    if (!share.strays) {
      return eb.or([...(mine.length > 0 ? [eb('org', 'in', mine)] : []), keyedById('=')]);
    }
    const { before, wholeOrgsBefore } = share.strays;
    return eb.and([
      eb('id', '<', before),
      eb.or([
        ...(others.length > 0 ? [eb.and([eb('org', 'in', others), eb('id', '<', wholeOrgsBefore)])] : []),
        keyedById('<>'),
      ]),
    ]);
  };
}
