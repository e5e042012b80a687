/**
 * The warehouse embedded in the process: one DuckDB file (or `:memory:`). Writes go through
 * one connection, one at a time, each in a transaction, with the appender for the rows (the
 * fastest way in from JavaScript); every query opens its own connection, so a dashboard can
 * read while the loader writes.
 */
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBDateValue,
  DuckDBInstance,
  type DuckDBValue,
} from '@duckdb/node-api';
import { openCsvImport } from './csv-import.ts';
import {
  bigintOf,
  countOf,
  decimalOf,
  type EngineRow,
  nullableTextOf,
  textOf,
  transferOfRow,
} from './engine-values.ts';
import { duckDbString, sqlInteger } from './sql-literal.ts';
import {
  type AlertFact,
  type AlertRate,
  assertBatchRowsValid,
  assertFactsValid,
  assertLimitValid,
  assertRangeValid,
  assertRowsValid,
  type CsvLoadResult,
  type DayVolume,
  type DecisionCount,
  dayNumberOfMs,
  EXPORT_COLUMNS,
  type ExportResult,
  filterSql,
  GROUPS_MAX,
  type HourVolume,
  hourOfMs,
  type IssuerVolume,
  isRiskDecision,
  type LoadCheckpoint,
  type MccVolume,
  MERCHANT_SALE_CHANNELS_SQL,
  type MerchantVolume,
  mergeAlertRates,
  READ_BATCH_ROWS_DEFAULT,
  type RegionVolume,
  type RiskDecisionFact,
  settleDayOffset,
  type TimeRange,
  type Volume,
  type VolumeFilter,
  type Warehouse,
  WarehouseError,
  type WarehouseOptions,
  type WarehouseTransfer,
} from './warehouse.ts';

/** 1: the first schema. Bumped with any change of the tables below. */
const SCHEMA_VERSION = '1';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS transfers (
  id VARCHAR NOT NULL,
  height UBIGINT,
  timestamp_ms BIGINT NOT NULL,
  day DATE NOT NULL,
  hour_ms BIGINT NOT NULL,
  from_account VARCHAR NOT NULL,
  to_account VARCHAR NOT NULL,
  amount BIGINT NOT NULL,
  currency VARCHAR NOT NULL,
  channel VARCHAR NOT NULL,
  mcc VARCHAR,
  merchant_id VARCHAR,
  region VARCHAR,
  issuer VARCHAR,
  risk_decision VARCHAR,
  risk_score DOUBLE,
  load_id VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS risk_decisions (
  payment_id VARCHAR NOT NULL,
  timestamp_ms BIGINT NOT NULL,
  day DATE NOT NULL,
  decision VARCHAR NOT NULL,
  score DOUBLE
);
CREATE TABLE IF NOT EXISTS alerts (
  alert_id VARCHAR NOT NULL,
  timestamp_ms BIGINT NOT NULL,
  day DATE NOT NULL,
  pattern VARCHAR NOT NULL,
  score DOUBLE
);
CREATE TABLE IF NOT EXISTS load_state (chain_id VARCHAR PRIMARY KEY, height UBIGINT NOT NULL, block_hash VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS imports (load_id VARCHAR PRIMARY KEY, sha256 VARCHAR NOT NULL, rows UBIGINT NOT NULL, path VARCHAR NOT NULL);
`;

/** Rows not loaded from a chain or a file (benchmarks, generated data). */
export const APPENDED_LOAD_ID = 'append';

export function chainLoadId(chainId: string): string {
  return `chain:${chainId}`;
}

const STRING_COLUMNS = EXPORT_COLUMNS.filter(([, type]) => type === 'VARCHAR' || type === 'DATE').map(([n]) => n);
const EXPORT_SELECT = EXPORT_COLUMNS.map(([name]) => name).join(', ');

async function engine<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof WarehouseError) throw error;
    throw new WarehouseError('engine_failed', `DuckDB, ${what}: ${(error as Error).message}`, { cause: error });
  }
}

function appendText(appender: DuckDBAppender, value: string | null): void {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value);
}

function appendDouble(appender: DuckDBAppender, value: number | null): void {
  if (value === null) appender.appendNull();
  else appender.appendDouble(value);
}

function appendTransfer(appender: DuckDBAppender, row: WarehouseTransfer, loadId: string, dayOffsetMs: number): void {
  appender.appendVarchar(row.id);
  if (row.height === null) appender.appendNull();
  else appender.appendUBigInt(row.height);
  appender.appendBigInt(BigInt(row.timestampMs));
  appender.appendDate(new DuckDBDateValue(dayNumberOfMs(row.timestampMs, dayOffsetMs)));
  appender.appendBigInt(BigInt(hourOfMs(row.timestampMs, dayOffsetMs)));
  appender.appendVarchar(row.fromAccount);
  appender.appendVarchar(row.toAccount);
  appender.appendBigInt(row.amount);
  appender.appendVarchar(row.currency);
  appender.appendVarchar(row.channel);
  appendText(appender, row.mcc);
  appendText(appender, row.merchantId);
  appendText(appender, row.region);
  appendText(appender, row.issuer);
  appendText(appender, row.riskDecision);
  appendDouble(appender, row.riskScore);
  appender.appendVarchar(loadId);
  appender.endRow();
}

function rangeWhere(range: TimeRange | undefined): string {
  if (range === undefined) return 'TRUE';
  return `timestamp_ms >= ${sqlInteger(range.fromMs)} AND timestamp_ms < ${sqlInteger(range.toMs)}`;
}

function volumeOf(row: EngineRow): Volume {
  return { count: countOf(row, 'n'), value: decimalOf(row, 'v') };
}

export class DuckDbWarehouse implements Warehouse {
  readonly engine = 'duckdb' as const;
  readonly path: string;
  readonly dayOffsetMs: number;
  private readonly instance: DuckDBInstance;
  private readonly writer: DuckDBConnection;
  /** The tail of the write queue: writes run one after another on the one writer connection. */
  private writes: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(path: string, instance: DuckDBInstance, writer: DuckDBConnection, dayOffsetMs: number) {
    this.path = path;
    this.dayOffsetMs = dayOffsetMs;
    this.instance = instance;
    this.writer = writer;
  }

  /** Opens or creates the file (`:memory:` for a throwaway warehouse) and its tables. */
  static async open(path: string, options: WarehouseOptions = {}): Promise<DuckDbWarehouse> {
    const instance = await engine(`opening ${path}`, () => DuckDBInstance.create(path));
    try {
      const writer = await engine('connecting', () => instance.connect());
      const meta = await engine('creating tables', async () => {
        await writer.run(SCHEMA);
        const reader = await writer.runAndReadAll('SELECT key, value FROM meta');
        return new Map(reader.getRowObjectsJson().map((row) => [textOf(row, 'key'), textOf(row, 'value')]));
      });
      const version = meta.get('schema');
      if (version !== undefined && version !== SCHEMA_VERSION) {
        throw new WarehouseError(
          'engine_failed',
          `${path}: warehouse schema ${version}, this build reads ${SCHEMA_VERSION}`,
        );
      }
      const stored = meta.get('day_offset_ms');
      const dayOffsetMs = settleDayOffset(stored === undefined ? null : Number(stored), options.dayOffsetMs, path);
      await engine('writing meta', () =>
        writer.run(
          `INSERT OR IGNORE INTO meta VALUES ('schema', ${duckDbString(SCHEMA_VERSION)}), ('day_offset_ms', ${duckDbString(String(dayOffsetMs))})`,
        ),
      );
      return new DuckDbWarehouse(path, instance, writer, dayOffsetMs);
    } catch (error) {
      instance.closeSync();
      throw error;
    }
  }

  /** Raw access for tools and tests (fault injection); never used by the load path. */
  get connection(): DuckDBConnection {
    return this.writer;
  }

  private serial<T>(what: string, run: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new WarehouseError('engine_failed', `DuckDB, ${what}: closed`));
    const result = this.writes.then(() => engine(what, run));
    // The queue goes on after a failed write; its caller gets the error through `result`.
    this.writes = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Runs `body` in one transaction on the writer: all of it or none of it. */
  private async transaction(body: () => Promise<void>): Promise<void> {
    await this.writer.run('BEGIN TRANSACTION');
    try {
      await body();
      await this.writer.run('COMMIT');
    } catch (error) {
      await this.writer.run('ROLLBACK');
      throw error;
    }
  }

  private async appendRows(rows: readonly WarehouseTransfer[], loadId: string): Promise<void> {
    if (rows.length === 0) return;
    const appender = await this.writer.createAppender('transfers');
    try {
      for (const row of rows) appendTransfer(appender, row, loadId, this.dayOffsetMs);
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  private async rows(sql: string, values?: DuckDBValue[]): Promise<EngineRow[]> {
    return engine('query', async () => {
      const connection = await this.instance.connect();
      try {
        const reader = await connection.runAndReadAll(sql, values);
        return reader.getRowObjectsJson();
      } finally {
        connection.closeSync();
      }
    });
  }

  async appendTransfers(rows: readonly WarehouseTransfer[]): Promise<void> {
    assertRowsValid(rows);
    return this.serial('appending transfers', () => this.transaction(() => this.appendRows(rows, APPENDED_LOAD_ID)));
  }

  async appendRiskDecisions(rows: readonly RiskDecisionFact[]): Promise<void> {
    assertFactsValid(rows);
    return this.serial('appending risk decisions', () =>
      this.transaction(async () => {
        const appender = await this.writer.createAppender('risk_decisions');
        try {
          for (const row of rows) {
            appender.appendVarchar(row.paymentId);
            appender.appendBigInt(BigInt(row.timestampMs));
            appender.appendDate(new DuckDBDateValue(dayNumberOfMs(row.timestampMs, this.dayOffsetMs)));
            appender.appendVarchar(row.decision);
            appendDouble(appender, row.score);
            appender.endRow();
          }
          appender.flushSync();
        } finally {
          appender.closeSync();
        }
      }),
    );
  }

  async appendAlerts(rows: readonly AlertFact[]): Promise<void> {
    assertFactsValid(rows);
    return this.serial('appending alerts', () =>
      this.transaction(async () => {
        const appender = await this.writer.createAppender('alerts');
        try {
          for (const row of rows) {
            appender.appendVarchar(row.alertId);
            appender.appendBigInt(BigInt(row.timestampMs));
            appender.appendDate(new DuckDBDateValue(dayNumberOfMs(row.timestampMs, this.dayOffsetMs)));
            appender.appendVarchar(row.pattern);
            appendDouble(appender, row.score);
            appender.endRow();
          }
          appender.flushSync();
        } finally {
          appender.closeSync();
        }
      }),
    );
  }

  async commitBlocks(rows: readonly WarehouseTransfer[], checkpoint: LoadCheckpoint): Promise<void> {
    assertRowsValid(rows);
    return this.serial(`committing blocks through ${checkpoint.height}`, () =>
      this.transaction(async () => {
        await this.appendRows(rows, chainLoadId(checkpoint.chainId));
        await this.writer.run('INSERT OR REPLACE INTO load_state VALUES ($1, $2, $3)', [
          checkpoint.chainId,
          checkpoint.height.toString(),
          checkpoint.blockHash,
        ]);
      }),
    );
  }

  async readCheckpoint(chainId: string): Promise<LoadCheckpoint | null> {
    const [found] = await this.rows(
      `SELECT CAST(height AS VARCHAR) AS h, block_hash FROM load_state WHERE chain_id = ${duckDbString(chainId)}`,
    );
    return found === undefined
      ? null
      : { chainId, height: bigintOf(found, 'h'), blockHash: textOf(found, 'block_hash') };
  }

  async *readTransfers(range: TimeRange, batchRows = READ_BATCH_ROWS_DEFAULT): AsyncGenerator<WarehouseTransfer[]> {
    assertRangeValid(range);
    assertBatchRowsValid(batchRows);
    const connection = await engine('connecting', () => this.instance.connect());
    try {
      const result = await engine('reading transfers', () =>
        connection.stream(
          `SELECT ${EXPORT_SELECT} FROM transfers WHERE ${rangeWhere(range)} ORDER BY timestamp_ms, id`,
        ),
      );
      let batch: WarehouseTransfer[] = [];
      // DuckDB hands out chunks of 2,048 rows; they are regrouped into batches of the size asked for.
      for await (const rows of result.yieldRowObjectJson()) {
        for (const row of rows) {
          batch.push(transferOfRow(row));
          if (batch.length === batchRows) {
            yield batch;
            batch = [];
          }
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      connection.closeSync();
    }
  }

  recoverCheckpoint(chainId: string): Promise<LoadCheckpoint | null> {
    return this.serial('reading the checkpoint', async () => {
      const found = await this.rows(
        'SELECT CAST(height AS VARCHAR) AS h, block_hash FROM load_state WHERE chain_id = $1',
        [chainId],
      );
      const height = found[0] === undefined ? 0n : bigintOf(found[0], 'h');
      // Rows and checkpoint commit together here, so rows above it mean a bug, not a crash.
      const above = await this.rows(
        `SELECT count(*) AS n FROM transfers WHERE load_id = $1 AND height > ${sqlInteger(height)}`,
        [chainLoadId(chainId)],
      );
      if (countOf(above[0] ?? {}, 'n') !== 0) {
        throw new WarehouseError('engine_failed', `rows of chain ${chainId} above its checkpoint ${height}`);
      }
      if (found[0] === undefined) return null;
      return { chainId, height, blockHash: textOf(found[0], 'block_hash') };
    });
  }

  async loadCsv(path: string): Promise<CsvLoadResult> {
    const source = await openCsvImport(path);
    return this.serial(`loading ${path}`, async () => {
      const known = await this.rows('SELECT load_id FROM imports WHERE sha256 = $1', [source.sha256]);
      if (known.length > 0) {
        throw new WarehouseError(
          'import_duplicate',
          `${path}: this content was loaded as ${textOf(known[0] ?? {}, 'load_id')}`,
        );
      }
      let rows = 0;
      await this.transaction(async () => {
        for await (const batch of source.batches()) {
          assertRowsValid(batch);
          await this.appendRows(batch, source.loadId);
          rows += batch.length;
        }
        await this.writer.run('INSERT INTO imports VALUES ($1, $2, $3, $4)', [
          source.loadId,
          source.sha256,
          rows.toString(),
          path,
        ]);
      });
      return { loadId: source.loadId, rows, sha256: source.sha256 };
    });
  }

  async timeSpan(): Promise<TimeRange | null> {
    const [row] = await this.rows('SELECT min(timestamp_ms) AS lo, max(timestamp_ms) AS hi FROM transfers');
    if (row === undefined || row.lo === null) return null;
    return { fromMs: countOf(row, 'lo'), toMs: countOf(row, 'hi') + 1 };
  }

  private volumeWhere(filter: VolumeFilter): string {
    return filterSql(filter, duckDbString);
  }

  async totals(filter: VolumeFilter): Promise<Volume> {
    const where = this.volumeWhere(filter);
    const [row] = await this.rows(
      `SELECT count(*) AS n, CAST(sum(amount) AS VARCHAR) AS v FROM transfers WHERE ${where}`,
    );
    return volumeOf(row ?? {});
  }

  async volumeByHour(filter: VolumeFilter): Promise<HourVolume[]> {
    const where = this.volumeWhere(filter);
    const rows = await this.rows(
      `SELECT hour_ms AS k, count(*) AS n, CAST(sum(amount) AS VARCHAR) AS v FROM transfers WHERE ${where}
       GROUP BY k ORDER BY k`,
    );
    return rows.map((row) => ({ hourMs: countOf(row, 'k'), ...volumeOf(row) }));
  }

  async volumeByDay(filter: VolumeFilter): Promise<DayVolume[]> {
    const where = this.volumeWhere(filter);
    const rows = await this.rows(
      `SELECT CAST(day AS VARCHAR) AS k, count(*) AS n, CAST(sum(amount) AS VARCHAR) AS v FROM transfers
       WHERE ${where} GROUP BY day ORDER BY day`,
    );
    return rows.map((row) => ({ day: textOf(row, 'k'), ...volumeOf(row) }));
  }

  /** Largest value first, ties by key, the group of NULLs last among equals. */
  private async volumeBy(column: string, filter: VolumeFilter, limit: number, salesOnly = false): Promise<EngineRow[]> {
    const where = this.volumeWhere(filter);
    assertLimitValid(limit);
    return this.rows(
      `SELECT ${column} AS k, count(*) AS n, CAST(sum(amount) AS VARCHAR) AS v FROM transfers
       WHERE ${where}${salesOnly ? ` AND merchant_id IS NOT NULL AND ${MERCHANT_SALE_CHANNELS_SQL}` : ''}
       GROUP BY k ORDER BY sum(amount) DESC, k ASC NULLS LAST LIMIT ${sqlInteger(limit)}`,
    );
  }

  async volumeByRegion(filter: VolumeFilter, limit = GROUPS_MAX): Promise<RegionVolume[]> {
    const rows = await this.volumeBy('region', filter, limit);
    return rows.map((row) => ({ region: nullableTextOf(row, 'k'), ...volumeOf(row) }));
  }

  async volumeByMcc(filter: VolumeFilter, limit = GROUPS_MAX): Promise<MccVolume[]> {
    const rows = await this.volumeBy('mcc', filter, limit);
    return rows.map((row) => ({ mcc: nullableTextOf(row, 'k'), ...volumeOf(row) }));
  }

  async volumeByIssuer(filter: VolumeFilter, limit = GROUPS_MAX): Promise<IssuerVolume[]> {
    const rows = await this.volumeBy('issuer', filter, limit);
    return rows.map((row) => ({ issuer: nullableTextOf(row, 'k'), ...volumeOf(row) }));
  }

  async topMerchants(filter: VolumeFilter, limit: number): Promise<MerchantVolume[]> {
    const rows = await this.volumeBy('merchant_id', filter, limit, true);
    return rows.map((row) => ({ merchantId: textOf(row, 'k'), ...volumeOf(row) }));
  }

  async riskDecisionsByDay(range: TimeRange): Promise<DecisionCount[]> {
    assertRangeValid(range);
    const rows = await this.rows(
      `SELECT CAST(day AS VARCHAR) AS k, decision, count(*) AS n FROM risk_decisions
       WHERE ${rangeWhere(range)} GROUP BY day, decision ORDER BY day, decision`,
    );
    return rows.map((row) => {
      const decision = textOf(row, 'decision');
      if (!isRiskDecision(decision)) throw new WarehouseError('engine_failed', `stored decision ${decision}`);
      return { day: textOf(row, 'k'), decision, count: countOf(row, 'n') };
    });
  }

  async alertRateByDay(range: TimeRange): Promise<AlertRate[]> {
    assertRangeValid(range);
    const where = rangeWhere(range);
    const transfers = await this.rows(
      `SELECT CAST(day AS VARCHAR) AS k, count(*) AS n FROM transfers WHERE ${where} GROUP BY day`,
    );
    const alerts = await this.rows(
      `SELECT CAST(day AS VARCHAR) AS k, count(DISTINCT alert_id) AS n FROM alerts WHERE ${where} GROUP BY day`,
    );
    const byDay = (rows: EngineRow[]) => new Map(rows.map((row) => [textOf(row, 'k'), countOf(row, 'n')]));
    return mergeAlertRates(byDay(transfers), byDay(alerts));
  }

  private exportQuery(range: TimeRange | undefined): string {
    if (range !== undefined) assertRangeValid(range);
    return `SELECT ${EXPORT_SELECT} FROM transfers WHERE ${rangeWhere(range)} ORDER BY timestamp_ms, id`;
  }

  async exportCsv(path: string, range?: TimeRange): Promise<ExportResult> {
    const query = this.exportQuery(range);
    const [row] = await this.rows(
      `COPY (${query}) TO ${duckDbString(path)} (FORMAT CSV, HEADER, FORCE_QUOTE (${STRING_COLUMNS.join(', ')}))`,
    );
    return { rows: countOf(row ?? {}, 'Count') };
  }

  async exportParquet(path: string, range?: TimeRange): Promise<ExportResult> {
    const query = this.exportQuery(range);
    const [row] = await this.rows(`COPY (${query}) TO ${duckDbString(path)} (FORMAT PARQUET)`);
    return { rows: countOf(row ?? {}, 'Count') };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Let queued writes finish (or fail) before the connection goes.
    await this.writes;
    this.closed = true;
    this.writer.closeSync();
    this.instance.closeSync();
  }
}

/**
 * Reads a CSV export (header, strings quoted, NULL an empty unquoted field) with the export's
 * column types and writes it as Parquet; answers the rows written. Used for engines without a
 * Parquet writer, so every Parquet export has DuckDB's schema.
 */
export async function convertExportCsvToParquet(csvPath: string, parquetPath: string): Promise<number> {
  const columns = EXPORT_COLUMNS.map(([name, type]) => `${duckDbString(name)}: ${duckDbString(type)}`).join(', ');
  return engine(`converting ${csvPath} to Parquet`, async () => {
    const instance = await DuckDBInstance.create(':memory:');
    try {
      const connection = await instance.connect();
      try {
        const reader = await connection.runAndReadAll(
          `COPY (SELECT * FROM read_csv(${duckDbString(csvPath)}, header = true, auto_detect = false, delim = ',',
             quote = '"', escape = '"', allow_quoted_nulls = false, columns = {${columns}}))
           TO ${duckDbString(parquetPath)} (FORMAT PARQUET)`,
        );
        return countOf(reader.getRowObjectsJson()[0] ?? {}, 'Count');
      } finally {
        connection.closeSync();
      }
    } finally {
      instance.closeSync();
    }
  });
}
