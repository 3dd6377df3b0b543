// The few column types that differ between SQLite and PostgreSQL, handed to every migration.
export interface ColumnTypes {
  /** Raw bytes: `blob` in SQLite, `bytea` in PostgreSQL. */
  blob: 'blob' | 'bytea';
}
