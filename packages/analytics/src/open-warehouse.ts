/**
 * `--warehouse SPEC` to a warehouse: a path, `duckdb:PATH` or `:memory:` opens DuckDB;
 * `clickhouse://[user[:password]@]host[:port]/database` (HTTP, port 8123 by default),
 * `clickhouses://…` (HTTPS, 8443) or a plain `http(s)://host:port/database` URL opens ClickHouse.
 */
import { ClickHouseWarehouse, type ClickHouseWarehouseOptions } from './clickhouse-warehouse.ts';
import { DuckDbWarehouse } from './duckdb-warehouse.ts';
import { type Warehouse, WarehouseError, type WarehouseOptions } from './warehouse.ts';

export const CLICKHOUSE_DATABASE_DEFAULT = 'paychain';

export type WarehouseSpec =
  | { readonly engine: 'duckdb'; readonly path: string }
  | ({ readonly engine: 'clickhouse' } & Omit<ClickHouseWarehouseOptions, 'dayOffsetMs'>);

const CLICKHOUSE_SCHEMES: Readonly<Record<string, { readonly protocol: string; readonly port: string }>> = {
  'clickhouse:': { protocol: 'http:', port: '8123' },
  'clickhouses:': { protocol: 'https:', port: '8443' },
  'http:': { protocol: 'http:', port: '8123' },
  'https:': { protocol: 'https:', port: '8443' },
};

/** Parses a spec without opening anything; throws `spec_invalid` naming what is wrong. */
export function parseWarehouseSpec(spec: string): WarehouseSpec {
  if (spec.length === 0) throw new WarehouseError('spec_invalid', 'an empty warehouse spec');
  if (spec.startsWith('duckdb:')) {
    const path = spec.slice('duckdb:'.length);
    if (path.length === 0) throw new WarehouseError('spec_invalid', 'duckdb: needs a path (or :memory:)');
    return { engine: 'duckdb', path };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec)?.[1];
  if (scheme === undefined) return { engine: 'duckdb', path: spec };
  const known = CLICKHOUSE_SCHEMES[`${scheme.toLowerCase()}:`];
  if (known === undefined) {
    throw new WarehouseError('spec_invalid', `${scheme}://: expected a path, duckdb:PATH or clickhouse://host:port/db`);
  }
  let url: URL;
  try {
    url = new URL(spec);
  } catch (error) {
    throw new WarehouseError('spec_invalid', `${spec} is not a URL`, { cause: error });
  }
  const database = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, '')) || CLICKHOUSE_DATABASE_DEFAULT;
  // An IPv6 hostname keeps its brackets; an absent port is ClickHouse's, not the scheme's 80/443.
  const base = `${known.protocol}//${url.hostname}:${url.port || known.port}`;
  return {
    engine: 'clickhouse',
    url: base,
    database,
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
  };
}

export async function openWarehouse(spec: string, options: WarehouseOptions = {}): Promise<Warehouse> {
  const parsed = parseWarehouseSpec(spec);
  if (parsed.engine === 'duckdb') return DuckDbWarehouse.open(parsed.path, options);
  const { engine: _, ...connection } = parsed;
  return ClickHouseWarehouse.open({ ...connection, ...options });
}
