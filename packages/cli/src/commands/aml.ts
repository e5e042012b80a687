/**
 * `paychain aml scan` and `paychain aml evaluate`: the AML detectors of `@paychain/risk` over a file in the import
 * format, and their quality against labels. A scan validates the whole file first (a bad line is named and nothing is
 * scanned), then streams it into the compact transfer graph, so the file itself is never held in memory as text or
 * objects; only the graph's typed arrays are.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  type AmlAlert,
  AmlScanError,
  CsvFormatError,
  type EvaluatedAlert,
  evaluateAlerts,
  formatEvaluation,
  isAddTransferRefusal,
  isLaunderingPattern,
  type LaunderingPattern,
  largeValueReport,
  largeValueReportToCsv,
  loadLabelsCsv,
  loadPatternsCsv,
  readTransfersCsv,
  resolveAmlOptions,
  scanTransferGraph,
  TransferGraphBuilder,
  type TransferRecord,
  validateTransfersCsv,
} from '@paychain/risk';
import type { Command } from 'commander';
import { CliError } from '../errors.ts';

/** An amount typed in major units (`50000`, `49999.99`) as minor units of a 2-decimal currency. */
function parseMajorAmount(option: string, text: string): bigint {
  const match = /^(\d{1,15})(?:\.(\d{1,2}))?$/.exec(text);
  if (match === null) throw new CliError(`${option} must be an amount such as 50000 or 49999.99, got "${text}"`, 2);
  return BigInt(match[1] ?? '0') * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
}

function parsePatterns(text: string | undefined): LaunderingPattern[] | undefined {
  if (text === undefined) return undefined;
  const names = text.split(',').map((p) => p.trim());
  for (const name of names) {
    if (!isLaunderingPattern(name)) throw new CliError(`--patterns: unknown pattern "${name}"`, 2);
  }
  return names as LaunderingPattern[];
}

async function csvOrCliError<T>(path: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CsvFormatError) throw new CliError(`${path}: ${error.message}`);
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
      throw new CliError(`${path}: no such file`);
    }
    throw error;
  }
}

export interface AlertsFile {
  readonly input: string;
  readonly transfers: number;
  readonly threshold: string;
  readonly alerts: readonly AmlAlert[];
}

export function registerAml(program: Command): void {
  const aml = program.command('aml').description('anti-money-laundering detection over transfers in the import format');

  aml
    .command('scan')
    .description('run every laundering detector over a CSV of transfers and write the alerts as JSON')
    .requiredOption('--input <file>', 'transfers in the import format (README: Import format)')
    .requiredOption('--out <file>', 'where to write the alerts (JSON)')
    .option('--threshold <amount>', 'large-value reporting threshold, major units', '50000')
    .option('--currency <code>', 'the currency scanned; other rows are skipped', 'CNY')
    .option('--patterns <list>', 'comma-separated detectors to run (default: all)')
    .option('--large-value <file>', 'also write the large-value report (transfers at or above the threshold) as CSV')
    .action(
      async (opts: {
        input: string;
        out: string;
        threshold: string;
        currency: string;
        patterns?: string;
        largeValue?: string;
      }) => {
        const thresholdMinor = parseMajorAmount('--threshold', opts.threshold);
        const patterns = parsePatterns(opts.patterns);
        const resolved = resolveAmlOptions({
          currency: opts.currency,
          thresholdMinor,
          ...(patterns === undefined ? {} : { patterns }),
        });
        if (!resolved.ok) throw new CliError(`bad option ${resolved.error.field}: ${resolved.error.reason}`, 2);
        const started = performance.now();
        const { rows } = await csvOrCliError(opts.input, () => validateTransfersCsv(opts.input));
        const builder = new TransferGraphBuilder(resolved.config.currency);
        const large: TransferRecord[] = [];
        await csvOrCliError(opts.input, async () => {
          for await (const record of readTransfersCsv(opts.input)) {
            const status = builder.add(record);
            if (isAddTransferRefusal(status)) {
              throw new CliError(`${opts.input}: transfer ${record.id}: ${status.replaceAll('_', ' ')}`);
            }
            if (opts.largeValue !== undefined && record.amount >= thresholdMinor) large.push(record);
          }
        });
        const graph = builder.build();
        let result: ReturnType<typeof scanTransferGraph>;
        try {
          result = scanTransferGraph(graph, resolved.config, performance.now() - started);
        } catch (error) {
          if (error instanceof AmlScanError) throw new CliError(error.message);
          throw error;
        }
        const file: AlertsFile = {
          input: opts.input,
          transfers: rows,
          threshold: opts.threshold,
          alerts: result.alerts,
        };
        writeFileSync(opts.out, `${JSON.stringify(file, null, 2)}\n`);
        if (opts.largeValue !== undefined) {
          writeFileSync(
            opts.largeValue,
            largeValueReportToCsv(largeValueReport(large, thresholdMinor, resolved.config.currency)),
          );
        }
        const byPattern = new Map<string, number>();
        for (const alert of result.alerts) byPattern.set(alert.pattern, (byPattern.get(alert.pattern) ?? 0) + 1);
        const seconds = (performance.now() - started) / 1000;
        console.log(
          `${rows} transfers scanned in ${seconds.toFixed(1)} s: ${result.alerts.length} alerts → ${opts.out}`,
        );
        for (const [pattern, count] of [...byPattern].sort()) console.log(`  ${pattern.padEnd(20)} ${count}`);
      },
    );

  aml
    .command('evaluate')
    .description('precision, recall and F1 of alerts against labels, per pattern and overall')
    .requiredOption('--alerts <file>', 'alerts written by `paychain aml scan`')
    .requiredOption('--labels <file>', 'labels CSV: id,is_illicit,pattern')
    .option('--patterns <file>', 'pattern instances (patterns.csv of `paychain generate`) for instance recall')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { alerts: string; labels: string; patterns?: string; json?: boolean }) => {
      const alerts = readAlertsFile(opts.alerts);
      const labels = await csvOrCliError(opts.labels, () => loadLabelsCsv(opts.labels));
      const patternsFile = opts.patterns;
      const instances =
        patternsFile === undefined ? null : await csvOrCliError(patternsFile, () => loadPatternsCsv(patternsFile));
      const report = evaluateAlerts(alerts, labels, instances);
      console.log(opts.json === true ? JSON.stringify(report, null, 2) : formatEvaluation(report));
    });
}

function readAlertsFile(path: string): EvaluatedAlert[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(
      `${path}: not a JSON file of alerts (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const alerts = typeof json === 'object' && json !== null && 'alerts' in json ? json.alerts : null;
  if (!Array.isArray(alerts)) throw new CliError(`${path}: expected {"alerts": [...]} as written by paychain aml scan`);
  return alerts.map((alert: unknown, i: number) => {
    const a = alert as { pattern?: unknown; transactionIds?: unknown };
    if (
      typeof a.pattern !== 'string' ||
      !Array.isArray(a.transactionIds) ||
      !a.transactionIds.every((id) => typeof id === 'string')
    ) {
      throw new CliError(`${path}: alerts[${i}] needs a pattern and transactionIds`);
    }
    return { pattern: a.pattern, transactionIds: a.transactionIds as string[] };
  });
}
