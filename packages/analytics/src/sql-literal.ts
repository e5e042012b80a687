/**
 * SQL literals for the places where a value cannot be bound as a parameter: every ClickHouse
 * query (18.16 has no server-side `{name:Type}` binding) and DuckDB's `COPY … TO 'path'`.
 * Numbers are written only from checked safe integers; strings are quoted so the engine reads
 * back exactly the input (`sql-literal.test.ts` round-trips arbitrary strings through both).
 */
import { WarehouseError } from './warehouse.ts';

const CLICKHOUSE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
};

/**
 * A ClickHouse string literal. ClickHouse reads backslash escapes inside quotes, so a
 * backslash must be escaped as well as the quote (doubling quotes alone lets `\'` close it).
 */
export function clickHouseString(value: string): string {
  assertWellFormed(value);
  return `'${value.replace(/[\\'\n\r\t\0\b\f]/g, (c) => CLICKHOUSE_ESCAPES[c] ?? c)}'`;
}

/**
 * A DuckDB (standard SQL) string literal: quotes doubled; backslashes are plain characters there.
 * DuckDB's parser stops at a NUL byte, so a string holding one is refused (no value we store may hold one).
 */
export function duckDbString(value: string): string {
  assertWellFormed(value);
  if (value.includes('\0')) throw new WarehouseError('query_invalid', 'a string with a NUL byte');
  return `'${value.replaceAll("'", "''")}'`;
}

/** An integer literal from a checked value (never a string that looks like a number). */
export function sqlInteger(value: number | bigint): string {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new WarehouseError('query_invalid', `${value} is not a safe integer`);
  }
  return value.toString();
}

/** Database names we create: plain identifiers, so they need no quoting in either engine. */
export function isPlainIdentifier(value: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(value);
}

/** A lone surrogate has no UTF-8 form: the engine would read back U+FFFD, not the input. */
function assertWellFormed(value: string): void {
  if (/[\uD800-\uDFFF]/u.test(value)) throw new WarehouseError('query_invalid', 'a string with a lone surrogate');
}
