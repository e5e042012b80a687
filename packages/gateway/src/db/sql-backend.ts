/**
 * The little a backend must give the shared gateway statements (`sql-gateway-db.ts`): run a parameterized statement,
 * run schema text, and run a function inside one transaction. SQLite (`sqlite-db.ts`) and PostgreSQL
 * (`postgres-db.ts`) implement it; everything else is written once.
 *
 * Statements use PostgreSQL's `$1, $2…` placeholders on both backends (better-sqlite3 binds them as named
 * parameters). Values are strings, bigints (every integer: no JS number reaches a column, so nothing is stored as a
 * float), booleans, bytes or null. Backends map their native errors to `GatewayDbError` and return every integer
 * column as a bigint.
 */
export type SqlDialect = 'sqlite' | 'postgres';
export type SqlValue = string | bigint | boolean | Uint8Array | null;
export type SqlRow = Readonly<Record<string, unknown>>;

export interface SqlResult {
  readonly rows: readonly SqlRow[];
  /** Rows written (or returned, for a statement with RETURNING). */
  readonly changes: number;
}

export interface SqlSession {
  query(sql: string, params?: readonly SqlValue[]): Promise<SqlResult>;
  /** Runs schema text: several statements, no parameters. */
  exec(sql: string): Promise<void>;
}

export interface SqlBackend extends SqlSession {
  readonly dialect: SqlDialect;
  /** fn's statements run in one transaction, committed when fn resolves and rolled back when it throws. */
  transaction<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Called first inside the migration's transaction: takes whatever lock keeps two migrators apart. */
  beginMigration(session: SqlSession): Promise<void>;
  close(): Promise<void>;
}
