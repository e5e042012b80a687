/**
 * `paychain analytics import|export|summary`: the warehouse from the command line, for outside data in the import
 * format and for analysts who want the committed payments as a file. The warehouse is the one a node writes (a DuckDB
 * file, `warehouse.duckdb` in its data directory, which one process at a time may open) or a ClickHouse server.
 */
import { openWarehouse, WarehouseError } from '@paychain/analytics';
import { CsvFormatError } from '@paychain/risk';
import type { Command } from 'commander';
import { CliError } from '../errors.ts';

/** The network's local time: days are cut in UTC+8, as the node's warehouse does. */
const DAY_OFFSET_MS = 8 * 3_600_000;

function msOption(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (!/T.*(Z|[+-]\d\d:\d\d)$/.test(text) || Number.isNaN(ms)) {
    throw new CliError(`${option} must be an ISO-8601 time with a zone, such as 2026-01-01T00:00:00Z`, 2);
  }
  return ms;
}

async function withWarehouse<T>(spec: string, run: (w: Awaited<ReturnType<typeof openWarehouse>>) => Promise<T>) {
  let warehouse: Awaited<ReturnType<typeof openWarehouse>>;
  try {
    warehouse = await openWarehouse(spec, { dayOffsetMs: DAY_OFFSET_MS });
  } catch (error) {
    if (error instanceof WarehouseError) throw new CliError(`--warehouse ${spec}: ${error.message}`);
    throw error;
  }
  try {
    return await run(warehouse);
  } catch (error) {
    if (error instanceof WarehouseError || error instanceof CsvFormatError) throw new CliError(error.message);
    throw error;
  } finally {
    await warehouse.close();
  }
}

export function registerAnalytics(program: Command): void {
  const analytics = program.command('analytics').description('the analytics warehouse: import, export, summary');
  const warehouseOption = [
    '--warehouse <spec>',
    'a DuckDB file (e.g. DIR/warehouse.duckdb of a stopped node), or clickhouse://HOST:PORT/DB',
  ] as const;

  analytics
    .command('import')
    .description('load a CSV in the import format, all or nothing (a bad line is named and nothing is loaded)')
    .requiredOption(...warehouseOption)
    .requiredOption('--input <file>', 'transfers in the import format (README: Import format)')
    .action(async (opts: { warehouse: string; input: string }) => {
      const result = await withWarehouse(opts.warehouse, (w) => w.loadCsv(opts.input));
      console.log(JSON.stringify(result));
    });

  analytics
    .command('export')
    .description('write the payments of a time range as CSV or Parquet')
    .requiredOption(...warehouseOption)
    .requiredOption('--out <file>', 'the file to write; .parquet writes Parquet, anything else CSV')
    .option('--from <time>', 'ISO-8601 start, inclusive')
    .option('--to <time>', 'ISO-8601 end, exclusive')
    .action(async (opts: { warehouse: string; out: string; from?: string; to?: string }) => {
      const fromMs = msOption('--from', opts.from);
      const toMs = msOption('--to', opts.to);
      const result = await withWarehouse(opts.warehouse, async (w) => {
        const span = await w.timeSpan();
        const range = { fromMs: fromMs ?? span?.fromMs ?? 0, toMs: toMs ?? span?.toMs ?? 0 };
        return opts.out.endsWith('.parquet') ? w.exportParquet(opts.out, range) : w.exportCsv(opts.out, range);
      });
      console.log(JSON.stringify({ out: opts.out, ...result }));
    });

  analytics
    .command('summary')
    .description('totals, volume by day, region and MCC, and top merchants, as JSON')
    .requiredOption(...warehouseOption)
    .option('--currency <code>', 'currency of the sums', 'CNY')
    .action(async (opts: { warehouse: string; currency: string }) => {
      const summary = await withWarehouse(opts.warehouse, async (w) => {
        const span = await w.timeSpan();
        if (span === null) return { transfers: 0 };
        const filter = { ...span, currency: opts.currency };
        return {
          from: new Date(span.fromMs).toISOString(),
          to: new Date(span.toMs).toISOString(),
          totals: await w.totals(filter),
          byDay: await w.volumeByDay(filter),
          byRegion: await w.volumeByRegion(filter, 20),
          byMcc: await w.volumeByMcc(filter, 20),
          topMerchants: await w.topMerchants(filter, 10),
        };
      });
      console.log(JSON.stringify(summary, null, 2));
    });
}
