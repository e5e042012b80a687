/**
 * The PostgreSQL backend of the gateway's storage (`--db postgres://…`): a `pg` pool, so several gateway processes
 * and concurrent requests share one database. Statements outside a transaction take any pooled connection;
 * `transaction(fn)` holds one connection for BEGIN … COMMIT (READ COMMITTED: the at-most-once operations are single
 * conditional statements, which re-check their WHERE on the newest row version after waiting, see
 * `sql-gateway-db.ts`), and ROLLBACK when fn throws.
 *
 * Types are configured on the pool, never through pg's process-wide parsers: BIGINT (int8) is parsed with `BigInt`
 * (pg's default is a string, and a JS number would lose money above 2^53); BYTEA, BOOLEAN and INTEGER keep pg's
 * defaults (Buffer, boolean, number).
 *
 * `schema` puts every table in that PostgreSQL schema (via the connection's search_path; created by `migrate` if
 * missing), so one server can hold several gateways, and each test run its own.
 */
import { assert } from '@paychain/core';
import { DatabaseError, Pool, type PoolClient, types } from 'pg';
import { type GatewayDb, GatewayDbError, type GatewayDbErrorCode } from './gateway-db.ts';
import type { SqlBackend, SqlResult, SqlRow, SqlSession, SqlValue } from './sql-backend.ts';
import { SqlGatewayDb } from './sql-gateway-db.ts';

export const POSTGRES_POOL_SIZE_DEFAULT = 10;
/** Below the server's default max_connections (100), which other clients share. */
export const POSTGRES_POOL_SIZE_MAX = 64;
export const POSTGRES_CONNECT_TIMEOUT_MS_DEFAULT = 5_000;
/** Prepared statement names kept: the gateway's statements are a fixed set of well under this. */
const STATEMENT_NAMES_MAX = 256;
/** Any constant: the key of the advisory lock that keeps two migrating gateways apart. */
const MIGRATION_LOCK_KEY = 0x7061_7967_6174_6577n;
const SCHEMA_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;

export interface PostgresGatewayDbOptions {
  /** `postgres://user@host:port/database`. */
  readonly url: string;
  /** A PostgreSQL schema for the tables (lowercase identifier); default: the server's search_path. */
  readonly schema?: string;
  readonly poolSize?: number;
  readonly connectTimeoutMs?: number;
}

/** Opens a pool and checks the server answers and its schema is not newer. Call `migrate` before first use. */
export async function openPostgresGatewayDb(options: PostgresGatewayDbOptions): Promise<GatewayDb> {
  return SqlGatewayDb.open(PostgresBackend.create(options));
}

function parseInt8(text: string): bigint {
  return BigInt(text);
}

/** The pool's own type parsers: int8 as bigint, everything else as pg's defaults. */
const GATEWAY_TYPES = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : types.getTypeParser(oid, format),
};

const CONFLICT_STATES = new Set(['40001', '40P01', '55P03']);

function errorCodeOf(error: DatabaseError): GatewayDbErrorCode {
  const state = error.code ?? '';
  if (state === '23505') return error.constraint === 'users_phone_unique' ? 'db_phone_taken' : 'db_duplicate';
  if (state === '23503') return 'db_reference';
  if (state.startsWith('23')) return 'db_constraint';
  if (CONFLICT_STATES.has(state)) return 'db_conflict';
  // Connection exceptions, insufficient resources, operator intervention (shutdown), configuration files.
  if (state.startsWith('08') || state.startsWith('53') || state.startsWith('57') || state.startsWith('F0')) {
    return 'db_unavailable';
  }
  if (state === '28000' || state === '28P01' || state === '3D000') return 'db_unavailable';
  if (state === 'XX001' || state === 'XX002') return 'db_corrupt';
  return 'db_io';
}

/**
 * The server's errors map by SQLSTATE. pg's other errors come from the connection (refused, reset, timed out,
 * pool ended), so they mean the server is unavailable.
 */
function toGatewayError(error: unknown, what: string): GatewayDbError {
  if (error instanceof GatewayDbError) return error;
  if (error instanceof DatabaseError) {
    return new GatewayDbError(errorCodeOf(error), `${what}: ${error.message}`, {
      cause: error,
      detail: error.constraint ?? error.code ?? null,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new GatewayDbError('db_unavailable', `${what}: ${message}`, { cause: error });
}

function bindValue(value: SqlValue): string | boolean | Buffer | null {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

/**
 * An idle pooled connection broke (server restart, network). Without a listener Node would crash the process; the
 * pool has already dropped that connection, and the next statement on a new one reports a lasting failure as
 * 'db_unavailable', where the caller decides.
 */
function onIdleConnectionError(error: Error): void {
  void error;
}

class PostgresBackend implements SqlBackend {
  readonly dialect = 'postgres';
  private readonly pool: Pool;
  private readonly schema: string | null;
  private readonly statementNames = new Map<string, string>();
  private closed = false;

  private constructor(pool: Pool, schema: string | null) {
    this.pool = pool;
    this.schema = schema;
    pool.on('error', onIdleConnectionError);
  }

  static create(options: PostgresGatewayDbOptions): PostgresBackend {
    const poolSize = options.poolSize ?? POSTGRES_POOL_SIZE_DEFAULT;
    assert(Number.isSafeInteger(poolSize) && poolSize >= 1 && poolSize <= POSTGRES_POOL_SIZE_MAX, 'pool size');
    const schema = options.schema ?? null;
    assert(schema === null || SCHEMA_NAME_PATTERN.test(schema), 'schema must be a lowercase identifier');
    const connectTimeoutMs = options.connectTimeoutMs ?? POSTGRES_CONNECT_TIMEOUT_MS_DEFAULT;
    assert(Number.isSafeInteger(connectTimeoutMs) && connectTimeoutMs > 0, 'connectTimeoutMs must be positive');
    const pool = new Pool({
      connectionString: options.url,
      max: poolSize,
      connectionTimeoutMillis: connectTimeoutMs,
      application_name: 'paychain-gateway',
      types: GATEWAY_TYPES,
      // The schema name matched SCHEMA_NAME_PATTERN: no quoting or escaping is needed in the option.
      ...(schema === null ? {} : { options: `-c search_path=${schema}` }),
    });
    return new PostgresBackend(pool, schema);
  }

  /** The same text always gets the same name, so each connection parses and plans it once. */
  private statementName(sql: string): string {
    let name = this.statementNames.get(sql);
    if (name === undefined) {
      assert(this.statementNames.size < STATEMENT_NAMES_MAX, 'more distinct statements than STATEMENT_NAMES_MAX');
      name = `paychain_gw_${this.statementNames.size}`;
      this.statementNames.set(sql, name);
    }
    return name;
  }

  private async run(client: Pool | PoolClient, sql: string, params: readonly SqlValue[]): Promise<SqlResult> {
    assert(!this.closed, 'the database is closed');
    try {
      const result = await client.query<SqlRow>({
        name: this.statementName(sql),
        text: sql,
        values: params.map(bindValue),
      });
      return { rows: result.rows, changes: result.rowCount ?? 0 };
    } catch (error) {
      throw toGatewayError(error, 'PostgreSQL statement');
    }
  }

  private async runScript(client: Pool | PoolClient, sql: string): Promise<void> {
    assert(!this.closed, 'the database is closed');
    try {
      // No values: the simple protocol, which runs several statements.
      await client.query(sql);
    } catch (error) {
      throw toGatewayError(error, 'PostgreSQL script');
    }
  }

  query(sql: string, params: readonly SqlValue[] = []): Promise<SqlResult> {
    return this.run(this.pool, sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.runScript(this.pool, sql);
  }

  async transaction<T>(fn: (session: SqlSession) => Promise<T>): Promise<T> {
    assert(!this.closed, 'the database is closed');
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toGatewayError(error, 'PostgreSQL connect');
    }
    let open = true;
    const session: SqlSession = {
      query: (sql, params = []) => {
        assert(open, 'a transaction session is used after its transaction ended');
        return this.run(client, sql, params);
      },
      exec: (sql) => {
        assert(open, 'a transaction session is used after its transaction ended');
        return this.runScript(client, sql);
      },
    };
    try {
      await this.runScript(client, 'BEGIN');
      const result = await fn(session);
      await this.runScript(client, 'COMMIT');
      open = false;
      client.release();
      return result;
    } catch (error) {
      open = false;
      try {
        await client.query('ROLLBACK');
        client.release();
      } catch (rollbackError) {
        // The connection is in an unknown state: the pool destroys it instead of reusing it.
        client.release(rollbackError instanceof Error ? rollbackError : true);
      }
      throw error;
    }
  }

  async beginMigration(session: SqlSession): Promise<void> {
    // Two gateways starting at once: the second waits here, then finds the schema current.
    await session.query('SELECT pg_advisory_xact_lock(CAST($1 AS BIGINT)) AS locked', [MIGRATION_LOCK_KEY]);
    if (this.schema !== null) await session.exec(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
