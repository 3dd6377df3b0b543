// Kysely's migrator asks its introspector whether its bookkeeping tables exist, and PostgreSQL's introspector lists
// every column of every table in every schema, calling functions on each schema's and table's name. A schema another
// session drops meanwhile (another deployment's, a tenant's, a test's) makes that listing fail with "schema … does
// not exist", and Eventhook's start with it. This dialect's introspector looks at the connection's own schema only.
import {
  PostgresDialect,
  PostgresIntrospector,
  sql,
  type DatabaseIntrospector,
  type Kysely,
  type TableMetadata,
} from 'kysely';

class CurrentSchemaIntrospector extends PostgresIntrospector {
  constructor(private readonly db: Kysely<unknown>) {
    super(db);
  }

  /** The tables of the search_path's schema, without their columns (the migrator reads names only). */
  override async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ schema: string; name: string; kind: string }>`
      select n.nspname as schema, c.relname as name, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'v', 'p')`.execute(this.db);
    return rows.map((r) => ({ schema: r.schema, name: r.name, isView: r.kind === 'v', columns: [] }));
  }
}

export class SchemaScopedPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}
