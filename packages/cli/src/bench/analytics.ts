/**
 * `paychain bench analytics`: the big-data targets of issue 5, each next to a baseline measured in the same run.
 *
 * - Warehouse ingest: synthetic transfers appended through `Warehouse.appendTransfers` (validated rows, the engine's
 *   appender) into a DuckDB file; baseline: DuckDB's own bulk CSV loader (`read_csv`) on the same rows exported.
 * - Dashboard queries over those rows, each the median of 3 runs; baseline: one full scan (`count(*), sum(amount)`).
 * - AML: `scanTransfers` over generated data (≥ 1M transfers per seed, ≥ 1 % illicit), per-pattern precision and
 *   recall against the labels; baseline: building the transfer graph alone.
 * - Real-time risk: assess + commit per payment in-process, p50 / p99; baseline: the same engine computing features
 *   only (no rules, no model). Card fraud: AUC and precision at a 1 % review rate, model against rules alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  type AlertFact,
  benchIngest,
  benchQueries,
  openWarehouse,
  type RiskDecision,
  type RiskDecisionFact,
  startLocalClickHouse,
  syntheticTransfers,
  type Warehouse,
} from '@paychain/analytics';
import {
  benchRiskScoring,
  createTransferGraph,
  DEFAULT_RULE_SET,
  defaultModel,
  evaluateAlerts,
  evaluateOnStream,
  generatedEvents,
  generateTransfers,
  RiskEngine,
  scanTransfers,
} from '@paychain/risk';

const DAY_MS = 86_400_000;
/** Risk decisions and alerts written per call. */
const FACTS_BATCH = 100_000;
const BENCH_START_MS = Date.UTC(2026, 0, 1);

export interface AnalyticsBenchOptions {
  /** Transfers in the warehouse (target queries over 10M). */
  readonly rows: number;
  /** Seeds of the AML runs; each generates about `amlUsers` × 125 transfers. */
  readonly amlSeeds: readonly number[];
  readonly amlUsers: number;
  /** Also ingest and query on a local ClickHouse server. */
  readonly clickhouse: boolean;
  readonly log: (line: string) => void;
}

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** The generated payments, streamed (a day in memory at a time), without their labels. */
function* paymentsOf(options: Parameters<typeof generatedEvents>[0]) {
  for (const e of generatedEvents(options)) yield e.event;
}

function overallFigures(o: { precision: number | null; recall: number | null; f1: number | null }) {
  return { precision: round(o.precision ?? 0, 3), recall: round(o.recall ?? 0, 3), f1: round(o.f1 ?? 0, 3) };
}

async function warehouseFigures(warehouse: Warehouse, rows: number, log: (line: string) => void) {
  log(`${warehouse.engine}: ingesting ${rows.toLocaleString('en')} synthetic transfers…`);
  const ingest = await benchIngest(warehouse, syntheticTransfers({ seed: 1, rows, startMs: BENCH_START_MS, days: 90 }));
  log(
    `${warehouse.engine}: ${Math.round(ingest.rowsPerSecond).toLocaleString('en')} rows/s; risk decisions and alerts…`,
  );
  // Every payment is scored, so there are as many decisions as transfers; one alert per thousand transfers.
  const decisionsStarted = performance.now();
  const spanMs = 90 * DAY_MS;
  const decisions: readonly RiskDecision[] = [
    'allow',
    'allow',
    'allow',
    'allow',
    'allow',
    'allow',
    'review',
    'step_up',
    'allow',
    'block',
  ];
  for (let first = 0; first < rows; first += FACTS_BATCH) {
    const batch: RiskDecisionFact[] = [];
    for (let i = first; i < Math.min(rows, first + FACTS_BATCH); i++) {
      batch.push({
        paymentId: `P${i}`,
        timestampMs: BENCH_START_MS + Math.floor((i / rows) * spanMs),
        decision: decisions[i % decisions.length] ?? 'allow',
        score: (i % 1000) / 1000,
      });
    }
    await warehouse.appendRiskDecisions(batch);
  }
  const alerts: AlertFact[] = [];
  for (let i = 0; i < rows / 1000; i++) {
    alerts.push({
      alertId: `A${i}`,
      timestampMs: BENCH_START_MS + Math.floor((i * 1000 * spanMs) / rows),
      pattern: 'fan_out',
      score: 0.9,
    });
  }
  for (let i = 0; i < alerts.length; i += FACTS_BATCH) await warehouse.appendAlerts(alerts.slice(i, i + FACTS_BATCH));
  const decisionsPerSecond = rows / ((performance.now() - decisionsStarted) / 1000);
  log(`${warehouse.engine}: querying…`);
  const queries = await benchQueries(warehouse);
  return { ingest, decisionsPerSecond, queries };
}

export async function benchAnalytics(options: AnalyticsBenchOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'paychain-bench-analytics-'));
  try {
    // ---- warehouse: DuckDB ----
    const duck = await openWarehouse(join(dir, 'warehouse.duckdb'), { dayOffsetMs: 8 * 3_600_000 });
    const duckFigures = await warehouseFigures(duck, options.rows, options.log);
    const csv = join(dir, 'transfers.csv');
    await duck.exportCsv(csv);
    await duck.close();
    options.log('baseline: DuckDB loading the same rows from CSV with read_csv…');
    const instance = await DuckDBInstance.create(join(dir, 'baseline.duckdb'));
    const connection = await instance.connect();
    let started = performance.now();
    await connection.run(`CREATE TABLE t AS SELECT * FROM read_csv('${csv.replaceAll("'", "''")}', header = true)`);
    const nativeSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await connection.runAndReadAll('SELECT count(*), sum(amount) FROM t');
    const scanMs = performance.now() - started;
    connection.closeSync();
    instance.closeSync();
    rmSync(csv, { force: true });
    const nativeRowsPerSecond = options.rows / nativeSeconds;

    let clickhouse: Awaited<ReturnType<typeof warehouseFigures>> | null = null;
    if (options.clickhouse) {
      const server = await startLocalClickHouse();
      try {
        const warehouse = await openWarehouse(server.url, { dayOffsetMs: 8 * 3_600_000 });
        clickhouse = await warehouseFigures(warehouse, options.rows, options.log);
        await warehouse.close();
      } finally {
        await server.stop();
      }
    }

    // ---- AML ----
    const aml = [];
    for (const seed of options.amlSeeds) {
      options.log(`AML: generating seed ${seed}…`);
      const data = generateTransfers({ seed, users: options.amlUsers, merchants: options.amlUsers / 10, days: 75 });
      started = performance.now();
      const graph = createTransferGraph(data.transfers);
      const graphMs = performance.now() - started;
      if (!graph.ok) throw new Error(`the generated data does not fit the graph: ${graph.status}`);
      const result = scanTransfers(data.transfers);
      const report = evaluateAlerts(result.alerts, data.labels, data.instances);
      options.log(
        `AML: seed ${seed}: ${data.transfers.length} transfers scanned in ${round(result.stats.elapsedMs / 1000)} s`,
      );
      aml.push({
        seed,
        transfers: data.transfers.length,
        illicitShare: round(data.labels.filter((l) => l.isIllicit).length / data.labels.length, 4),
        scanSeconds: round(result.stats.elapsedMs / 1000),
        graphOnlySeconds: round(graphMs / 1000),
        scanToGraphRatio: round(result.stats.elapsedMs / graphMs),
        alerts: result.alerts.length,
        patterns: report.patterns.map((p) => ({
          pattern: p.pattern,
          precision: round(p.precision ?? 0, 3),
          recall: round(p.recall ?? 0, 3),
          f1: round(p.f1 ?? 0, 3),
        })),
        overallAnyIllicit: overallFigures(report.overall),
        overallLaundering: overallFigures(report.overallLaundering),
      });
    }

    // ---- real-time risk ----
    const riskSeed = (options.amlSeeds[0] ?? 1) + 100;
    const events = { seed: riskSeed, users: options.amlUsers, merchants: options.amlUsers / 10, days: 75 };
    options.log('risk: scoring generated payments in-process…');
    const full = benchRiskScoring({
      events: paymentsOf(events),
      engine: new RiskEngine({ ruleSet: DEFAULT_RULE_SET, model: defaultModel() }),
    });
    const featuresOnly = benchRiskScoring({
      events: paymentsOf(events),
      engine: new RiskEngine({
        ruleSet: { version: 1, scoreThresholds: { review: null, block: null }, rules: [] },
        model: null,
      }),
    });
    options.log('risk: card fraud, model against rules alone on a hold-out seed…');
    const fraud = evaluateOnStream(generatedEvents(events), defaultModel(), { warmUpMs: 7 * DAY_MS });

    return {
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      warehouse: {
        rows: options.rows,
        duckdb: {
          ingestRowsPerSecond: Math.round(duckFigures.ingest.rowsPerSecond),
          baselineReadCsvRowsPerSecond: Math.round(nativeRowsPerSecond),
          ingestToBaselineRatio: round(duckFigures.ingest.rowsPerSecond / nativeRowsPerSecond),
          riskDecisionsPerSecond: Math.round(duckFigures.decisionsPerSecond),
          targetRowsPerSecond: 100_000,
          queries: duckFigures.queries.map((q) => ({
            name: q.name,
            ms: Math.round(q.ms),
            firstMs: Math.round(q.firstMs),
          })),
          baselineFullScanMs: Math.round(scanMs),
          slowestQueryMs: Math.round(Math.max(...duckFigures.queries.map((q) => q.ms))),
          targetQueryMs: 1_000,
        },
        clickhouse:
          clickhouse === null
            ? null
            : {
                ingestRowsPerSecond: Math.round(clickhouse.ingest.rowsPerSecond),
                queries: clickhouse.queries.map((q) => ({ name: q.name, ms: Math.round(q.ms) })),
              },
      },
      aml: { targetScanSeconds: 60, runs: aml },
      risk: {
        payments: full.events,
        p50Micros: round(full.p50Micros),
        p99Micros: round(full.p99Micros),
        targetP99Micros: 5_000,
        featuresOnlyP99Micros: round(featuresOnly.p99Micros),
        p99ToFeaturesOnlyRatio: round(full.p99Micros / featuresOnly.p99Micros),
        perSecond: Math.round(full.perSecond),
        cardFraud: {
          holdoutSeed: riskSeed,
          model: {
            auc: round(fraud.model.auc ?? 0, 5),
            precisionAt1pct: round(fraud.model.precisionAtReviewRate ?? 0, 4),
          },
          rulesOnly: {
            auc: round(fraud.rulesOnly.auc ?? 0, 5),
            precisionAt1pct: round(fraud.rulesOnly.precisionAtReviewRate ?? 0, 4),
          },
        },
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
