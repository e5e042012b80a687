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
 * Group commit: with synchronous=FULL every COMMIT waits for an fsync (0.2–1 ms here) on the event loop's thread
 * (better-sqlite3 is synchronous), so one commit per statement held the gateway to a few hundred payments a second.
 * A write statement outside a transaction is therefore queued, and the queue is run on the next turn of the event
 * loop in one outer transaction, each statement in its own SAVEPOINT (a failing one is rolled back alone), all of it
 * synchronously: the write lock is never held across an await. Each statement's promise settles after the COMMIT —
 * nothing is answered before its write is durable. If the COMMIT fails (a deferred foreign key broken by one of them,
 * a disk error), it is rolled back and every statement runs again on its own, so one statement's fault never fails
 * another. Reads run at once; a transaction (`transaction(fn)`) runs on its own, as before.
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

/** A write statement waiting for the next group commit. */
interface QueuedWrite {
  readonly sql: string;
  readonly params: readonly SqlValue[];
  readonly resolve: (result: SqlResult) => void;
  readonly reject: (error: unknown) => void;
}

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
  /** Writes outside a transaction, for the next group commit. */
  private queued: QueuedWrite[] = [];
  private flushScheduled = false;
  private commitCount = 0;
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
    assert(!this.closed, 'the database is closed');
    let readonly: boolean;
    try {
      readonly = this.statement(sql).readonly;
    } catch (error) {
      throw toGatewayError(error, 'SQLite statement');
    }
    if (!readonly) {
      return new Promise<SqlResult>((resolve, reject) => {
        this.queued.push({ sql, params, resolve, reject });
        this.scheduleFlush();
      });
    }
    while (this.transactionDone !== null) await this.transactionDone;
    return this.run(sql, params);
  }

  /** Group commits so far (for tests). */
  get commits(): number {
    return this.commitCount;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  /** Runs the queued writes in one transaction (see the comment at the top); synchronous once it starts. */
  private async flush(): Promise<void> {
    while (this.transactionDone !== null) await this.transactionDone;
    const batch = this.queued;
    this.queued = [];
    if (batch.length === 0 || this.closed) {
      for (const write of batch) write.reject(new GatewayDbError('db_unavailable', 'the database is closed'));
      return;
    }
    const results: Array<
      { readonly ok: true; readonly value: SqlResult } | { readonly ok: false; readonly error: unknown }
    > = [];
    let grouped = batch.length > 1;
    if (grouped) {
      try {
        this.runScript('BEGIN IMMEDIATE');
        for (const write of batch) {
          this.runScript('SAVEPOINT queued_write');
          try {
            results.push({ ok: true, value: this.run(write.sql, write.params) });
            this.runScript('RELEASE queued_write');
          } catch (error) {
            // Some errors (disk full, I/O) end the whole transaction: then everything runs again on its own.
            if (!this.db.inTransaction) throw error;
            this.runScript('ROLLBACK TO queued_write');
            this.runScript('RELEASE queued_write');
            results.push({ ok: false, error });
          }
        }
        this.runScript('COMMIT');
        this.commitCount++;
      } catch {
        if (this.db.inTransaction) this.runScript('ROLLBACK');
        grouped = false;
      }
    }
    if (!grouped) {
      results.length = 0;
      for (const write of batch) {
        try {
          results.push({ ok: true, value: this.run(write.sql, write.params) });
          this.commitCount++;
        } catch (error) {
          results.push({ ok: false, error });
        }
      }
    }
    for (const [i, write] of batch.entries()) {
      const result = results[i];
      assert(result !== undefined, 'one result per queued write');
      if (result.ok) write.resolve(result.value);
      else write.reject(result.error);
    }
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
    while (this.transactionDone !== null || this.queued.length > 0) {
      if (this.transactionDone !== null) await this.transactionDone;
      else await this.flush();
    }
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }
}
