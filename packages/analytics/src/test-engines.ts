/**
 * For tests: both engines behind one harness, so each suite is written once and run with
 * `describe.each(WAREHOUSE_ENGINES)`. DuckDB warehouses are files in a temp dir (so a test can
 * close and reopen one); ClickHouse warehouses are databases on a server started for the test
 * file. A missing `clickhouse-server` fails the ClickHouse suite with `engine_missing` — it is
 * never skipped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseWarehouse } from './clickhouse-warehouse.ts';
import { DuckDbWarehouse } from './duckdb-warehouse.ts';
import { type LocalClickHouse, startLocalClickHouse } from './local-clickhouse.ts';
import type { Warehouse, WarehouseEngine, WarehouseOptions } from './warehouse.ts';

export const WAREHOUSE_ENGINES: readonly WarehouseEngine[] = ['duckdb', 'clickhouse'];

export interface EngineHarness {
  /** Opens (or reopens) the warehouse called `name`. */
  open(name: string, options?: WarehouseOptions): Promise<Warehouse>;
  /** A raw statement, for fault injection only. */
  raw(warehouse: Warehouse, sql: string): Promise<void>;
  /** For engine-specific checks: the spec `openWarehouse` takes for `name`. */
  spec(name: string): string;
  stop(): Promise<void>;
}

export async function startEngine(engine: WarehouseEngine): Promise<EngineHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'paychain-warehouse-'));
  let server: LocalClickHouse | null = null;
  if (engine === 'clickhouse') {
    try {
      server = await startLocalClickHouse();
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const clickhouse = server;
  return {
    open: (name, options = {}) =>
      clickhouse === null
        ? DuckDbWarehouse.open(join(dir, `${name}.duckdb`), options)
        : ClickHouseWarehouse.open({ url: clickhouse.url, database: name, ...options }),
    raw: async (warehouse, sql) => {
      if (warehouse instanceof DuckDbWarehouse) await warehouse.connection.run(sql);
      else if (warehouse instanceof ClickHouseWarehouse) await warehouse.client.command({ query: sql });
      else throw new Error('a warehouse of this harness');
    },
    spec: (name) =>
      clickhouse === null
        ? `duckdb:${join(dir, `${name}.duckdb`)}`
        : `${clickhouse.url.replace('http:', 'clickhouse:')}/${name}`,
    stop: async () => {
      await clickhouse?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
