/**
 * @paychain/analytics: the warehouse (DuckDB embedded, or ClickHouse), the streaming load of
 * committed blocks into it, imports in the CSV format, the dashboards' queries and exports, and
 * the benchmark helpers of `paychain bench analytics`.
 */
export {
  ACCOUNT_KINDS,
  type AccountDirectory,
  type AccountInfo,
  type AccountKind,
  type PaymentDirectory,
  type PaymentInfo,
  StaticAccountDirectory,
  StaticPaymentDirectory,
} from './account-directory.ts';
export {
  BENCH_QUERY_RUNS_DEFAULT,
  BENCH_TOP_MERCHANTS,
  benchIngest,
  benchQueries,
  type IngestFigures,
  type QueryFigures,
  type RecordBatches,
} from './bench.ts';
export {
  type BlockFollower,
  BlockLoader,
  type BlockLoaderOptions,
  FOLLOW_INTERVAL_MS_MAX,
  FOLLOW_INTERVAL_MS_MIN,
  type FollowOptions,
  LOAD_BATCH_BLOCKS_MAX,
  LOAD_BATCH_ROWS_MAX,
  type LoadFinality,
  type LoadResult,
} from './block-loader.ts';
export { type LedgerMove, type MoveKind, movesOfBlock, ORG_PARTY_PREFIX } from './block-rows.ts';
export { ClickHouseWarehouse, type ClickHouseWarehouseOptions, RECOVERY_WAIT_MS_MAX } from './clickhouse-warehouse.ts';
export { CSV_IMPORT_BATCH_ROWS } from './csv-import.ts';
export { convertExportCsvToParquet, DuckDbWarehouse } from './duckdb-warehouse.ts';
export {
  CLICKHOUSE_SERVER_PATH_DEFAULT,
  CLICKHOUSE_START_TIMEOUT_MS,
  type LocalClickHouse,
  startLocalClickHouse,
} from './local-clickhouse.ts';
export {
  CLICKHOUSE_DATABASE_DEFAULT,
  openWarehouse,
  parseWarehouseSpec,
  type WarehouseSpec,
} from './open-warehouse.ts';
export { type SyntheticOptions, syntheticTransfers } from './synthetic-transfers.ts';
export * from './warehouse.ts';
