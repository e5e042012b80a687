/**
 * The warehouse figures of `paychain bench analytics`: ingest rate and the time of each
 * dashboard query. Back of the envelope: a DuckDB appender call costs ~100 ns from
 * JavaScript and a row is 17 calls, so one core appends ~500,000 rows/s (target ≥ 100,000);
 * a query over 10M rows reads 2–4 columns, 80–160 MB, at a few GB/s per core: ~0.1 s
 * (target ≤ 1 s). Times are wall-clock (`performance.now()`), only around the warehouse's work:
 * producing the records is not counted.
 */
import type { TransferRecord } from '@paychain/risk';
import {
  DASHBOARD_QUERIES,
  type DashboardQuery,
  type TimeRange,
  type TransferEnrichment,
  type Warehouse,
  type WarehouseTransfer,
  WRITE_ROWS_MAX,
  warehouseTransferOf,
} from './warehouse.ts';

export const BENCH_QUERY_RUNS_DEFAULT = 3;
export const BENCH_QUERY_RUNS_MAX = 100;
export const BENCH_TOP_MERCHANTS = 10;

export interface IngestFigures {
  readonly rows: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
}

export interface QueryFigures {
  readonly name: DashboardQuery;
  /** Median of the runs. */
  readonly ms: number;
  /** The first run (cold caches). */
  readonly firstMs: number;
  /** Rows of the answer. */
  readonly rows: number;
}

export type RecordBatches =
  | readonly TransferRecord[]
  | Iterable<readonly TransferRecord[]>
  | AsyncIterable<readonly TransferRecord[]>;

function isRecordArray(records: RecordBatches): records is readonly TransferRecord[] {
  return Array.isArray(records) && (records.length === 0 || !Array.isArray(records[0]));
}

async function* batchesOf(records: RecordBatches): AsyncGenerator<readonly TransferRecord[]> {
  if (isRecordArray(records)) {
    for (let start = 0; start < records.length; start += WRITE_ROWS_MAX)
      yield records.slice(start, start + WRITE_ROWS_MAX);
    return;
  }
  for await (const batch of records) {
    for (let start = 0; start < batch.length; start += WRITE_ROWS_MAX) yield batch.slice(start, start + WRITE_ROWS_MAX);
  }
}

/**
 * Appends the records (an array, or batches from a generator so that 10M need not be in memory
 * at once) and times the conversion to fact rows and the appends.
 */
export async function benchIngest(
  warehouse: Warehouse,
  records: RecordBatches,
  options: { readonly enrich?: (record: TransferRecord) => TransferEnrichment } = {},
): Promise<IngestFigures> {
  let rows = 0;
  let ms = 0;
  for await (const batch of batchesOf(records)) {
    const started = performance.now();
    const facts: WarehouseTransfer[] = batch.map((r) => warehouseTransferOf(r, options.enrich?.(r)));
    await warehouse.appendTransfers(facts);
    ms += performance.now() - started;
    rows += batch.length;
  }
  const seconds = ms / 1000;
  return { rows, seconds, rowsPerSecond: seconds === 0 ? 0 : Math.round(rows / seconds) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return value ?? 0;
}

/**
 * Runs each dashboard query `runs` times over `range` (default: the span of the data) in one
 * currency (default CNY), and answers the first and the median time of each.
 */
export async function benchQueries(
  warehouse: Warehouse,
  options: { readonly range?: TimeRange; readonly currency?: string; readonly runs?: number } = {},
): Promise<QueryFigures[]> {
  const runs = options.runs ?? BENCH_QUERY_RUNS_DEFAULT;
  if (!Number.isInteger(runs) || runs < 1 || runs > BENCH_QUERY_RUNS_MAX) throw new RangeError(`runs ${runs}`);
  const range = options.range ?? (await warehouse.timeSpan()) ?? { fromMs: 0, toMs: 0 };
  const filter = { ...range, currency: options.currency ?? 'CNY' };
  const queries: Record<DashboardQuery, () => Promise<readonly unknown[]>> = {
    volumeByHour: () => warehouse.volumeByHour(filter),
    volumeByDay: () => warehouse.volumeByDay(filter),
    volumeByRegion: () => warehouse.volumeByRegion(filter),
    volumeByMcc: () => warehouse.volumeByMcc(filter),
    volumeByIssuer: () => warehouse.volumeByIssuer(filter),
    topMerchants: () => warehouse.topMerchants(filter, BENCH_TOP_MERCHANTS),
    riskDecisionsByDay: () => warehouse.riskDecisionsByDay(range),
    alertRateByDay: () => warehouse.alertRateByDay(range),
  };
  const figures: QueryFigures[] = [];
  for (const name of DASHBOARD_QUERIES) {
    const times: number[] = [];
    let rows = 0;
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      rows = (await queries[name]()).length;
      times.push(performance.now() - started);
    }
    figures.push({
      name,
      ms: Math.round(median(times) * 10) / 10,
      firstMs: Math.round((times[0] ?? 0) * 10) / 10,
      rows,
    });
  }
  return figures;
}
