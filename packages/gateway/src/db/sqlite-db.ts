/**
 * The SQLite backend of the gateway's storage (the default): one better-sqlite3 connection to one file, in WAL mode
 * with synchronous=FULL (an acknowledged write survives a power cut, as in the ledger's store) and foreign keys on.
 *
 * better-sqlite3 is synchronous, so every statement is atomic with respect to this process's other callers; the
 * async interface only matters for transactions: while `transaction(fn)` awaits inside fn, other callers' statements
 * would land inside it. So a transaction holds a queue: statements and transactions from outside wait until it ends.
 * Between processes on one file, BEGIN IMMEDIATE takes the write lock up front (waiting up to busyTimeoutMs), so a
 * transaction never fails half way on a lock upgrade. Keep one GatewayDb per file per process: a second connection
 * in the same process would wait for the first's lock synchronously, blocking the event loop that must finish it.
 *
 * Integers come back as bigint (`defaultSafeIntegers`), so 64-bit money round-trips exactly; booleans are stored as
 * 0/1; `$n` placeholders are bound as SQLite named parameters.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { assert } from '@paychain/core';
import Database from 'better-sqlite3';
import { type GatewayDb, GatewayDbError, type GatewayDbErrorCode } from './gateway-db.ts';
import type { SqlBackend, SqlResult, SqlRow, SqlSession, SqlValue } from './sql-backend.ts';
import { SqlGatewayDb } from './sql-gateway-db.ts';

export const SQLITE_BUSY_TIMEOUT_MS_DEFAULT = 5_000;
/** Which backend's transaction the current async context runs inside, so a misuse fails instead of hanging. */
const insideTransaction = new AsyncLocalStorage<SqliteBackend>();
/** Prepared statements kept: the gateway's statements are a fixed set of well under this. */
const STATEMENT_CACHE_MAX = 256;

export interface SqliteGatewayDbOptions {
  /** How long a write waits for another process's lock before failing with 'db_conflict'. */
  readonly busyTimeoutMs?: number;
}

/** Opens (creating if missing) the gateway's SQLite file. Call `migrate` before first use. */
export async function openSqliteGatewayDb(path: string, options: SqliteGatewayDbOptions = {}): Promise<GatewayDb> {
  return SqlGatewayDb.open(SqliteBackend.open(path, options));
}

function errorCodeOf(nativeCode: string, message: string): GatewayDbErrorCode {
  if (nativeCode === 'SQLITE_CONSTRAINT_UNIQUE' || nativeCode === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return message.includes('users.phone') ? 'db_phone_taken' : 'db_duplicate';
  }
  if (nativeCode === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'db_reference';
  if (nativeCode.startsWith('SQLITE_CONSTRAINT')) return 'db_constraint';
  if (nativeCode.startsWith('SQLITE_BUSY') || nativeCode.startsWith('SQLITE_LOCKED')) return 'db_conflict';
  if (nativeCode.startsWith('SQLITE_CORRUPT') || nativeCode === 'SQLITE_NOTADB') return 'db_corrupt';
  if (nativeCode.startsWith('SQLITE_CANTOPEN') || nativeCode.startsWith('SQLITE_READONLY')) return 'db_unavailable';
  return 'db_io';
}

/** SQLite's own errors become GatewayDbError; anything else (a binding bug) is left as it is. */
function toGatewayError(error: unknown, what: string): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  return new GatewayDbError(errorCodeOf(error.code, error.message), `${what}: ${error.message}`, {
    cause: error,
    detail: error.code,
  });
}

function bindValue(value: SqlValue): bigint | string | Buffer | null {
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

class SqliteBackend implements SqlBackend {
  readonly dialect = 'sqlite';
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** Settles when the running transaction ends; null when none runs. */
  private transactionDone: Promise<void> | null = null;
  private closed = false;

  private constructor(db: Database.Database) {
    this.db = db;
  }

  static open(path: string, options: SqliteGatewayDbOptions): SqliteBackend {
    const busyTimeoutMs = options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS_DEFAULT;
    assert(Number.isSafeInteger(busyTimeoutMs) && busyTimeoutMs >= 0, 'busyTimeoutMs must be a non-negative integer');
    let db: Database.Database | null = null;
    try {
      db = new Database(path, { timeout: busyTimeoutMs });
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.defaultSafeIntegers(true);
      return new SqliteBackend(db);
    } catch (error) {
      db?.close();
      throw toGatewayError(error, `opening ${path}`);
    }
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      assert(this.statements.size < STATEMENT_CACHE_MAX, 'more distinct statements than STATEMENT_CACHE_MAX');
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs one statement now, synchronously (the caller has made sure no other transaction is open). */
  private run(sql: string, params: readonly SqlValue[]): SqlResult {
    assert(!this.closed, 'the database is closed');
    try {
      const statement = this.statement(sql);
      const named: Record<string, bigint | string | Buffer | null> = {};
      for (const [i, value] of params.entries()) named[String(i + 1)] = bindValue(value);
      const args = params.length === 0 ? [] : [named];
      if (statement.reader) {
        // Plain objects keyed by column name; every value is checked by the decoders in sql-gateway-db.ts.
        const rows = statement.all(...args) as SqlRow[];
        return { rows, changes: rows.length };
      }
      return { rows: [], changes: statement.run(...args).changes };
    } catch (error) {
      throw toGatewayError(error, 'SQLite statement');
    }
  }

  private runScript(sql: string): void {
    assert(!this.closed, 'the database is closed');
    try {
      this.db.exec(sql);
    } catch (error) {
      throw toGatewayError(error, 'SQLite script');
    }
  }

  /** Called before waiting: the database, used inside its own transaction's fn, would wait for fn forever. */
  private assertNotInsideOwnTransaction(): void {
    assert(insideTransaction.getStore() !== this, 'inside transaction(fn), use its tx handle, not the database');
  }

  // Each method below waits with the loop inline: the last check that no transaction is open and the statement (or
  // BEGIN) then run in one synchronous step, so nothing can start in between (awaiting a helper would let other
  // callers run there). Each waiter re-checks, as another may have started a transaction first.

  async query(sql: string, params: readonly SqlValue[] = []): Promise<SqlResult> {
    if (this.transactionDone !== null) this.assertNotInsideOwnTransaction();
    while (this.transactionDone !== null) await this.transactionDone;
    return this.run(sql, params);
  }

  async exec(sql: string): Promise<void> {
    if (this.transactionDone !== null) this.assertNotInsideOwnTransaction();
    while (this.transactionDone !== null) await this.transactionDone;
    this.runScript(sql);
  }

  async transaction<T>(fn: (session: SqlSession) => Promise<T>): Promise<T> {
    if (this.transactionDone !== null) this.assertNotInsideOwnTransaction();
    while (this.transactionDone !== null) await this.transactionDone;
    let finish = (): void => {};
    this.transactionDone = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let open = true;
    const session: SqlSession = {
      query: async (sql, params = []) => {
        assert(open, 'a transaction session is used after its transaction ended');
        return this.run(sql, params);
      },
      exec: async (sql) => {
        assert(open, 'a transaction session is used after its transaction ended');
        this.runScript(sql);
      },
    };
    try {
      this.runScript('BEGIN IMMEDIATE');
      let result: T;
      try {
        result = await insideTransaction.run(this, () => fn(session));
        this.runScript('COMMIT');
      } catch (error) {
        // A failed COMMIT (a deferred foreign key) leaves the transaction open too.
        if (this.db.inTransaction) this.runScript('ROLLBACK');
        throw error;
      }
      return result;
    } finally {
      open = false;
      this.transactionDone = null;
      finish();
    }
  }

  async beginMigration(): Promise<void> {
    // BEGIN IMMEDIATE already keeps every other writer out of the file.
  }

  async close(): Promise<void> {
    while (this.transactionDone !== null) await this.transactionDone;
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }
}
