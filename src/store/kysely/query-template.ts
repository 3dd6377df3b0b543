// Hot statements built once per dialect and then run with new values. Kysely builds, freezes and compiles a whole
// operation tree on every call; for the statements that run once per delivered or ingested event that costs about
// twice what SQLite takes to execute them. A template builds its query with named placeholders, compiles it once,
// and from then on only fills in the parameter list. The SQL text stays the same, so the SQLite driver's prepared
// statement is reused too.
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { StoreKind } from '../port.js';
import type { Database } from '../schema.js';

const SLOT = Symbol('query-template-slot');

interface Slot {
  readonly [SLOT]: PropertyKey;
}

function isSlot(value: unknown): value is Slot {
  return typeof value === 'object' && value !== null && SLOT in value;
}

interface Compiled {
  readonly query: CompiledQuery;
  /** For each parameter of the compiled query: the name of the value that fills it, or undefined for a constant. */
  readonly slots: ReadonlyArray<PropertyKey | undefined>;
}

/**
 * `build` receives `p`, whose every property is a placeholder for the value of that name; the query must use each
 * value only as a bound parameter (not to choose its shape: that would be frozen at the first call).
 */
export class QueryTemplate<V extends object> {
  private readonly compiled = new Map<StoreKind, Compiled>();

  constructor(private readonly build: (db: Kysely<Database>, p: V) => Compilable) {}

  async execute<R = unknown>(db: Kysely<Database>, kind: StoreKind, values: V): Promise<QueryResult<R>> {
    return db.executeQuery<R>(this.bind(db, kind, values) as CompiledQuery<R>);
  }

  /** The statement's SQL text, the same for every call. */
  sql(db: Kysely<Database>, kind: StoreKind): string {
    return (this.compiled.get(kind) ?? this.compile(db, kind)).query.sql;
  }

  /** The statement with `values` filled in, to run elsewhere (the SQLite writer thread). */
  bind(db: Kysely<Database>, kind: StoreKind, values: V): CompiledQuery {
    const { query, slots } = this.compiled.get(kind) ?? this.compile(db, kind);
    const parameters = query.parameters.map((constant, i) => {
      const name = slots[i];
      return name === undefined ? constant : (values as Record<PropertyKey, unknown>)[name];
    });
    return { ...query, parameters };
  }

  private compile(db: Kysely<Database>, kind: StoreKind): Compiled {
    const read = new Set<PropertyKey>();
    const placeholders = new Proxy({} as V, {
      get: (_, name): Slot => {
        read.add(name);
        return { [SLOT]: name };
      },
    });
    const query = this.build(db, placeholders).compile();
    const compiled = { query, slots: query.parameters.map((v) => (isSlot(v) ? v[SLOT] : undefined)) };
    // A value read but not bound was used to shape the query, and `values(p)` binds nothing (a proxy lists no keys):
    // either would run the wrong statement silently.
    const bound = new Set(compiled.slots);
    const unbound = [...read].filter((name) => !bound.has(name));
    if (read.size === 0 || unbound.length > 0)
      throw new Error(
        `query template binds no value for: ${unbound.map(String).join(', ') || '(nothing read)'}`,
      );
    this.compiled.set(kind, compiled);
    return compiled;
  }
}

/**
 * The row of an insert template: each of `columns` set to its placeholder. `values(p)` alone would bind nothing, as
 * the placeholders object lists no keys of its own.
 */
export function placeholderRow<R extends object>(p: R, columns: readonly (keyof R & string)[]): R {
  return Object.fromEntries(columns.map((c) => [c, p[c]])) as R;
}
