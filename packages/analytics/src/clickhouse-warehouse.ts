/**
 * The warehouse on a ClickHouse server (tested against Debian's 18.16), over HTTP with
 * @clickhouse/client. What 18.16 lacks and what stands in for it:
 * - no server-side query parameters: every literal is written by `sql-literal.ts`;
 * - no transactions: a chain load writes its rows, then its checkpoint, and before the next
 *   load `recoverCheckpoint` deletes rows above the checkpoint (a mutation, waited for), so a
 *   cut write is redone once; an import writes its rows, then its entry in `imports`, and rows
 *   of imports without an entry are deleted when the warehouse opens (and at once on failure);
 * - no Parquet output: the CSV export is converted by DuckDB;
 * - no 128-bit integers: amounts are Int64 and sums are taken as Decimal(38, 0), read as text
 *   (a Decimal in JSON is a bare number and would lose digits in JavaScript).
 * Dates and hours are computed in TypeScript, so the server's time zone never matters.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { ClickHouseCsvNulls, tabSeparatedText } from './clickhouse-text.ts';
import { openCsvImport } from './csv-import.ts';
import { APPENDED_LOAD_ID, chainLoadId, convertExportCsvToParquet } from './duckdb-warehouse.ts';
import {
  bigintOf,
  countOf,
  decimalOf,
  type EngineRow,
  nullableTextOf,
  textOf,
  transferOfRow,
} from './engine-values.ts';
import { clickHouseString, isPlainIdentifier, sqlInteger } from './sql-literal.ts';
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
  dayText,
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
  WRITE_ROWS_MAX,
} from './warehouse.ts';

/** How long recovery waits for its delete mutation before giving up with `recovery_timeout`. */
export const RECOVERY_WAIT_MS_MAX = 120_000;
const RECOVERY_POLL_MS = 50;
/** Rows per TabSeparated text chunk pushed into the insert stream. */
const TSV_CHUNK_ROWS = 4096;
const REQUEST_TIMEOUT_MS = 300_000;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS transfers (
    id String,
    height Nullable(UInt64),
    timestamp_ms Int64,
    day Date,
    hour_ms Int64,
    from_account String,
    to_account String,
    amount Int64,
    currency String,
    channel String,
    mcc String,
    merchant_id String,
    region String,
    issuer String,
    risk_decision String,
    risk_score Nullable(Float64),
    load_id String
  ) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY (currency, timestamp_ms)`,
  `CREATE TABLE IF NOT EXISTS risk_decisions (
    payment_id String, timestamp_ms Int64, day Date, decision String, score Nullable(Float64)
  ) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY (timestamp_ms, payment_id)`,
  `CREATE TABLE IF NOT EXISTS alerts (
    alert_id String, timestamp_ms Int64, day Date, pattern String, score Nullable(Float64)
  ) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY (timestamp_ms, alert_id)`,
  // The highest height per chain is the checkpoint; replacing merges keep the table small.
  `CREATE TABLE IF NOT EXISTS load_state (chain_id String, height UInt64, block_hash String)
   ENGINE = ReplacingMergeTree(height) ORDER BY chain_id`,
  `CREATE TABLE IF NOT EXISTS imports (load_id String, sha256 String, rows UInt64, path String)
   ENGINE = MergeTree ORDER BY load_id`,
  // Written once when the database is new (schema version, day offset); never changed.
  'CREATE TABLE IF NOT EXISTS meta (key String, value String) ENGINE = MergeTree ORDER BY key',
];
/** 1: the first schema. Bumped with any change of the tables above. */
const SCHEMA_VERSION = '1';

/**
 * Optional text columns hold '' for NULL (the empty string is never a valid value there): plain
 * String keys group several times faster than Nullable(String) on 18.16. They read back through nullIf.
 */
const EMPTY_IS_NULL = new Set(['mcc', 'merchant_id', 'region', 'issuer', 'risk_decision']);
const EXPORT_SELECT = EXPORT_COLUMNS.map(([name]) =>
  name === 'day' ? 'toString(day) AS day' : EMPTY_IS_NULL.has(name) ? `nullIf(${name}, '') AS ${name}` : name,
).join(', ');
const SUM = 'sum(toDecimal128(amount, 0))';

export interface ClickHouseWarehouseOptions extends WarehouseOptions {
  /** `http://host:port` or `https://…`. */
  readonly url: string;
  readonly database: string;
  readonly username?: string;
  readonly password?: string;
}

function rangeWhere(range: TimeRange | undefined): string {
  if (range === undefined) return '1';
  return `timestamp_ms >= ${sqlInteger(range.fromMs)} AND timestamp_ms < ${sqlInteger(range.toMs)}`;
}

function volumeOf(row: EngineRow): Volume {
  return { count: countOf(row, 'n'), value: decimalOf(row, 'v') };
}

function numberText(value: number | null): string {
  return value === null ? '\\N' : String(value);
}

/** Rows as TabSeparated text in chunks, in the table's column order. */
function* transferLines(rows: readonly WarehouseTransfer[], loadId: string, dayOffsetMs: number): Generator<string> {
  const load = tabSeparatedText(loadId);
  let lastDay = -1;
  let lastDayText = '';
  for (let start = 0; start < rows.length; start += TSV_CHUNK_ROWS) {
    let text = '';
    for (const row of rows.slice(start, start + TSV_CHUNK_ROWS)) {
      const day = dayNumberOfMs(row.timestampMs, dayOffsetMs);
      if (day !== lastDay) {
        lastDay = day;
        lastDayText = dayText(day);
      }
      text += `${tabSeparatedText(row.id)}\t${row.height === null ? '\\N' : row.height.toString()}\t${row.timestampMs}\t${lastDayText}\t${hourOfMs(row.timestampMs, dayOffsetMs)}\t${tabSeparatedText(row.fromAccount)}\t${tabSeparatedText(row.toAccount)}\t${row.amount.toString()}\t${tabSeparatedText(row.currency)}\t${tabSeparatedText(row.channel)}\t${tabSeparatedText(row.mcc ?? '')}\t${tabSeparatedText(row.merchantId ?? '')}\t${tabSeparatedText(row.region ?? '')}\t${tabSeparatedText(row.issuer ?? '')}\t${tabSeparatedText(row.riskDecision ?? '')}\t${numberText(row.riskScore)}\t${load}\n`;
    }
    yield text;
  }
}

function* factLines(rows: readonly (RiskDecisionFact | AlertFact)[], dayOffsetMs: number): Generator<string> {
  for (let start = 0; start < rows.length; start += TSV_CHUNK_ROWS) {
    let text = '';
    for (const row of rows.slice(start, start + TSV_CHUNK_ROWS)) {
      const id = 'paymentId' in row ? row.paymentId : row.alertId;
      const label = 'decision' in row ? row.decision : row.pattern;
      text += `${tabSeparatedText(id)}\t${row.timestampMs}\t${dayText(dayNumberOfMs(row.timestampMs, dayOffsetMs))}\t${tabSeparatedText(label)}\t${numberText(row.score)}\n`;
    }
    yield text;
  }
}

export class ClickHouseWarehouse implements Warehouse {
  readonly engine = 'clickhouse' as const;
  readonly database: string;
  readonly dayOffsetMs: number;
  private readonly clientValue: ClickHouseClient;
  private writes: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(client: ClickHouseClient, database: string, dayOffsetMs: number) {
    this.clientValue = client;
    this.database = database;
    this.dayOffsetMs = dayOffsetMs;
  }

  /** Connects, creates the database and tables when missing, and removes what a cut import left. */
  static async open(options: ClickHouseWarehouseOptions): Promise<ClickHouseWarehouse> {
    if (!isPlainIdentifier(options.database)) {
      throw new WarehouseError('spec_invalid', `database name ${JSON.stringify(options.database)}: letters, digits, _`);
    }
    const auth = {
      // Every failure reaches the caller as a WarehouseError; the client's own log would say it twice.
      log: { level: ClickHouseLogLevel.OFF },
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
    };
    const admin = createClient({ url: options.url, request_timeout: REQUEST_TIMEOUT_MS, ...auth });
    try {
      await engineCall(`creating database ${options.database}`, () =>
        admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${options.database}` }),
      );
    } finally {
      await admin.close();
    }
    const client = createClient({
      url: options.url,
      database: options.database,
      request_timeout: REQUEST_TIMEOUT_MS,
      ...auth,
    });
    try {
      for (const ddl of SCHEMA) await engineCall('creating tables', () => client.command({ query: ddl }));
      const meta = await engineCall('reading meta', async () => {
        const result = await client.query({
          query: 'SELECT key, any(value) AS value FROM meta GROUP BY key',
          format: 'JSONEachRow',
        });
        return new Map((await result.json<EngineRow>()).map((row) => [textOf(row, 'key'), textOf(row, 'value')]));
      });
      const version = meta.get('schema');
      if (version !== undefined && version !== SCHEMA_VERSION) {
        throw new WarehouseError(
          'engine_failed',
          `${options.database}: warehouse schema ${version}, this build reads ${SCHEMA_VERSION}`,
        );
      }
      const stored = meta.get('day_offset_ms');
      const dayOffsetMs = settleDayOffset(
        stored === undefined ? null : Number(stored),
        options.dayOffsetMs,
        options.database,
      );
      if (version === undefined) {
        await engineCall('writing meta', () =>
          client.command({
            query: `INSERT INTO meta VALUES ('schema', ${clickHouseString(SCHEMA_VERSION)}), ('day_offset_ms', ${clickHouseString(String(dayOffsetMs))})`,
          }),
        );
      }
      const warehouse = new ClickHouseWarehouse(client, options.database, dayOffsetMs);
      await warehouse.serial('recovering imports', () => warehouse.deleteUnfinishedImports());
      return warehouse;
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  /** Raw access for tools and tests (fault injection); never used by the load path. */
  get client(): ClickHouseClient {
    return this.clientValue;
  }

  private serial<T>(what: string, run: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new WarehouseError('engine_failed', `ClickHouse, ${what}: closed`));
    const result = this.writes.then(() => engineCall(what, run));
    // The queue goes on after a failed write; its caller gets the error through `result`.
    this.writes = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async rows(query: string): Promise<EngineRow[]> {
    return engineCall('query', async () => {
      const result = await this.clientValue.query({ query, format: 'JSONEachRow' });
      return result.json<EngineRow>();
    });
  }

  private async command(query: string): Promise<void> {
    await this.clientValue.command({ query });
  }

  private async insertText(table: string, lines: Iterable<string>): Promise<void> {
    await this.clientValue.insert({
      table,
      values: Readable.from(lines, { objectMode: false }),
      format: 'TabSeparated',
    });
  }

  private async insertTransfers(rows: readonly WarehouseTransfer[], loadId: string): Promise<void> {
    for (let start = 0; start < rows.length; start += WRITE_ROWS_MAX) {
      await this.insertText(
        'transfers',
        transferLines(rows.slice(start, start + WRITE_ROWS_MAX), loadId, this.dayOffsetMs),
      );
    }
  }

  /** Deletes matching rows of `transfers` and waits until the mutation is done. */
  private async deleteTransfers(where: string): Promise<void> {
    await this.command(`ALTER TABLE transfers DELETE WHERE ${where}`);
    for (let waited = 0; ; waited += RECOVERY_POLL_MS) {
      const [row] = await this.rows(
        `SELECT count() AS n FROM system.mutations WHERE database = ${clickHouseString(this.database)}
         AND table = 'transfers' AND is_done = 0`,
      );
      if (countOf(row ?? {}, 'n') === 0) break;
      if (waited >= RECOVERY_WAIT_MS_MAX) {
        throw new WarehouseError(
          'recovery_timeout',
          `the delete of ${where} was not done in ${RECOVERY_WAIT_MS_MAX} ms`,
        );
      }
      await sleep(RECOVERY_POLL_MS);
    }
    const [left] = await this.rows(`SELECT count() AS n FROM transfers WHERE ${where}`);
    if (countOf(left ?? {}, 'n') !== 0) {
      throw new WarehouseError('engine_failed', `rows where ${where} are still there after their delete`);
    }
  }

  private async deleteUnfinishedImports(): Promise<void> {
    const where = "load_id LIKE 'csv:%' AND load_id NOT IN (SELECT load_id FROM imports)";
    const [row] = await this.rows(`SELECT count() AS n FROM transfers WHERE ${where}`);
    if (countOf(row ?? {}, 'n') > 0) await this.deleteTransfers(where);
  }

  async appendTransfers(rows: readonly WarehouseTransfer[]): Promise<void> {
    assertRowsValid(rows);
    return this.serial('appending transfers', () => this.insertTransfers(rows, APPENDED_LOAD_ID));
  }

  async appendRiskDecisions(rows: readonly RiskDecisionFact[]): Promise<void> {
    assertFactsValid(rows);
    return this.serial('appending risk decisions', () =>
      this.insertText('risk_decisions', factLines(rows, this.dayOffsetMs)),
    );
  }

  async appendAlerts(rows: readonly AlertFact[]): Promise<void> {
    assertFactsValid(rows);
    return this.serial('appending alerts', () => this.insertText('alerts', factLines(rows, this.dayOffsetMs)));
  }

  async commitBlocks(rows: readonly WarehouseTransfer[], checkpoint: LoadCheckpoint): Promise<void> {
    assertRowsValid(rows);
    return this.serial(`committing blocks through ${checkpoint.height}`, async () => {
      await this.insertTransfers(rows, chainLoadId(checkpoint.chainId));
      // Only once every row is in: a crash before this line leaves rows that recovery deletes.
      await this.command(
        `INSERT INTO load_state VALUES (${clickHouseString(checkpoint.chainId)}, ${sqlInteger(checkpoint.height)}, ${clickHouseString(checkpoint.blockHash)})`,
      );
    });
  }

  async readCheckpoint(chainId: string): Promise<LoadCheckpoint | null> {
    const [found] = await this.rows(
      `SELECT toString(height) AS h, block_hash FROM load_state WHERE chain_id = ${clickHouseString(chainId)}
       ORDER BY height DESC LIMIT 1`,
    );
    return found === undefined
      ? null
      : { chainId, height: bigintOf(found, 'h'), blockHash: textOf(found, 'block_hash') };
  }

  async *readTransfers(range: TimeRange, batchRows = READ_BATCH_ROWS_DEFAULT): AsyncGenerator<WarehouseTransfer[]> {
    assertRangeValid(range);
    assertBatchRowsValid(batchRows);
    const result = await engineCall('reading transfers', () =>
      this.clientValue.query({
        query: `SELECT ${EXPORT_SELECT} FROM transfers WHERE ${rangeWhere(range)} ORDER BY timestamp_ms, id`,
        format: 'JSONEachRow',
      }),
    );
    let batch: WarehouseTransfer[] = [];
    for await (const rows of result.stream<EngineRow>()) {
      for (const row of rows) {
        batch.push(transferOfRow(row.json<EngineRow>()));
        if (batch.length === batchRows) {
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield batch;
  }

  recoverCheckpoint(chainId: string): Promise<LoadCheckpoint | null> {
    return this.serial('recovering the checkpoint', async () => {
      const [found] = await this.rows(
        `SELECT toString(height) AS h, block_hash FROM load_state WHERE chain_id = ${clickHouseString(chainId)}
         ORDER BY height DESC LIMIT 1`,
      );
      const height = found === undefined ? 0n : bigintOf(found, 'h');
      const above = `load_id = ${clickHouseString(chainLoadId(chainId))} AND height > ${sqlInteger(height)}`;
      const [row] = await this.rows(`SELECT count() AS n FROM transfers WHERE ${above}`);
      if (countOf(row ?? {}, 'n') > 0) await this.deleteTransfers(above);
      if (found === undefined) return null;
      return { chainId, height, blockHash: textOf(found, 'block_hash') };
    });
  }

  async loadCsv(path: string): Promise<CsvLoadResult> {
    const source = await openCsvImport(path);
    return this.serial(`loading ${path}`, async () => {
      const [known] = await this.rows(`SELECT load_id FROM imports WHERE sha256 = ${clickHouseString(source.sha256)}`);
      if (known !== undefined) {
        throw new WarehouseError('import_duplicate', `${path}: this content was loaded as ${textOf(known, 'load_id')}`);
      }
      let rows = 0;
      try {
        for await (const batch of source.batches()) {
          assertRowsValid(batch);
          await this.insertTransfers(batch, source.loadId);
          rows += batch.length;
        }
        await this.command(
          `INSERT INTO imports VALUES (${clickHouseString(source.loadId)}, ${clickHouseString(source.sha256)}, ${sqlInteger(rows)}, ${clickHouseString(path)})`,
        );
      } catch (error) {
        // Nothing half-loaded: what went in is taken out before the error is reported.
        await this.deleteTransfers(`load_id = ${clickHouseString(source.loadId)}`);
        throw error;
      }
      return { loadId: source.loadId, rows, sha256: source.sha256 };
    });
  }

  async timeSpan(): Promise<TimeRange | null> {
    const [row] = await this.rows(
      'SELECT count() AS n, toString(min(timestamp_ms)) AS lo, toString(max(timestamp_ms)) AS hi FROM transfers',
    );
    if (row === undefined || countOf(row, 'n') === 0) return null;
    return { fromMs: countOf(row, 'lo'), toMs: countOf(row, 'hi') + 1 };
  }

  private volumeWhere(filter: VolumeFilter): string {
    return filterSql(filter, clickHouseString);
  }

  async totals(filter: VolumeFilter): Promise<Volume> {
    const [row] = await this.rows(
      `SELECT count() AS n, toString(${SUM}) AS v FROM transfers WHERE ${this.volumeWhere(filter)}`,
    );
    return volumeOf(row ?? {});
  }

  async volumeByHour(filter: VolumeFilter): Promise<HourVolume[]> {
    const rows = await this.rows(
      `SELECT hour_ms AS k, count() AS n, toString(${SUM}) AS v FROM transfers WHERE ${this.volumeWhere(filter)}
       GROUP BY k ORDER BY k`,
    );
    return rows.map((row) => ({ hourMs: countOf(row, 'k'), ...volumeOf(row) }));
  }

  async volumeByDay(filter: VolumeFilter): Promise<DayVolume[]> {
    const rows = await this.rows(
      `SELECT toString(day) AS k, count() AS n, toString(${SUM}) AS v FROM transfers WHERE ${this.volumeWhere(filter)}
       GROUP BY day ORDER BY day`,
    );
    return rows.map((row) => ({ day: textOf(row, 'k'), ...volumeOf(row) }));
  }

  /** Largest value first, ties by key, the group of NULLs last among equals (as on DuckDB). */
  private async volumeBy(column: string, filter: VolumeFilter, limit: number, salesOnly = false): Promise<EngineRow[]> {
    const where = this.volumeWhere(filter);
    assertLimitValid(limit);
    return this.rows(
      `SELECT nullIf(${column}, '') AS k, count() AS n, ${SUM} AS s, toString(s) AS v FROM transfers
       WHERE ${where}${salesOnly ? ` AND ${column} != '' AND ${MERCHANT_SALE_CHANNELS_SQL}` : ''}
       GROUP BY ${column} ORDER BY s DESC, ${column} = '' ASC, ${column} ASC LIMIT ${sqlInteger(limit)}`,
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
      `SELECT toString(day) AS k, decision, count() AS n FROM risk_decisions
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
      `SELECT toString(day) AS k, count() AS n FROM transfers WHERE ${where} GROUP BY day`,
    );
    const alerts = await this.rows(
      `SELECT toString(day) AS k, count(DISTINCT alert_id) AS n FROM alerts WHERE ${where} GROUP BY day`,
    );
    const byDay = (rows: EngineRow[]) => new Map(rows.map((row) => [textOf(row, 'k'), countOf(row, 'n')]));
    return mergeAlertRates(byDay(transfers), byDay(alerts));
  }

  async exportCsv(path: string, range?: TimeRange): Promise<ExportResult> {
    if (range !== undefined) assertRangeValid(range);
    return engineCall(`exporting to ${path}`, async () => {
      const { stream } = await this.clientValue.exec({
        query: `SELECT ${EXPORT_SELECT} FROM transfers WHERE ${rangeWhere(range)} ORDER BY timestamp_ms, id FORMAT CSVWithNames`,
        // The whole answer is made before it is sent, so a failure is an HTTP error, not a cut file.
        clickhouse_settings: { wait_end_of_query: 1 },
      });
      const nulls = new ClickHouseCsvNulls();
      await pipeline(stream, nulls, createWriteStream(path));
      return { rows: nulls.rows };
    });
  }

  /** 18.16 has no Parquet output: the CSV export goes through DuckDB, which writes the same schema. */
  async exportParquet(path: string, range?: TimeRange): Promise<ExportResult> {
    const csvPath = join(tmpdir(), `paychain-export-${randomUUID()}.csv`);
    try {
      const { rows } = await this.exportCsv(csvPath, range);
      const converted = await convertExportCsvToParquet(csvPath, path);
      if (converted !== rows) {
        throw new WarehouseError('engine_failed', `Parquet export: ${converted} rows converted of ${rows} exported`);
      }
      return { rows };
    } finally {
      await rm(csvPath, { force: true });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.writes;
    this.closed = true;
    await this.clientValue.close();
  }
}

async function engineCall<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof WarehouseError) throw error;
    throw new WarehouseError('engine_failed', `ClickHouse, ${what}: ${(error as Error).message}`, { cause: error });
  }
}
