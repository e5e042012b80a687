/**
 * Scores alerts against the generator's labels, per transaction:
 *
 * - precision of pattern P: the share of transactions in P's alerts that are labelled illicit
 *   (with any pattern: a fan_out alert on a scatter_gather's first leg is not a false alarm);
 * - recall of P: the share of transactions labelled P that are in some alert of P;
 * - F1: their harmonic mean;
 * - overall: any alert against any illicit label, and against laundering-pattern labels only
 *   (card fraud and unpatterned transfers are no AML detector's job);
 * - with pattern instances, instance recall: an instance is found when at least half its
 *   transactions are in alerts of its pattern.
 *
 * Labels are read once and only alerted ids are remembered, so a labels file of millions of rows
 * costs no more than the alerts. Ratios with nothing to divide are null. Plain numbers only.
 */
import { LAUNDERING_PATTERNS, type LaunderingPattern, type TransferLabel } from '../transfer-record.ts';

/** What `evaluateAlerts` reads of an alert, so alerts loaded back from JSON will do. */
export interface EvaluatedAlert {
  readonly pattern: string;
  readonly transactionIds: readonly string[];
}

/** What it reads of a pattern instance (`PatternInstance` of the patterns file fits). */
export interface EvaluatedInstance {
  readonly pattern: string;
  readonly transactionIds: readonly string[];
}

/** An instance counts as found when at least this share of its transactions are in alerts of its pattern. */
export const INSTANCE_FOUND_SHARE_MIN = 0.5;

export interface PatternEvaluation {
  readonly pattern: LaunderingPattern;
  readonly alerts: number;
  /** Distinct transactions in the pattern's alerts. */
  readonly alertedTransactions: number;
  /** Of those, labelled illicit. */
  readonly alertedIllicit: number;
  /** Transactions labelled with the pattern. */
  readonly labelledTransactions: number;
  /** Of those, in an alert of the pattern. */
  readonly labelledFound: number;
  readonly precision: number | null;
  readonly recall: number | null;
  readonly f1: number | null;
  /** Null when no instances were given. */
  readonly instances: number | null;
  readonly instancesFound: number | null;
  readonly instanceRecall: number | null;
}

export interface OverallEvaluation {
  readonly alertedTransactions: number;
  readonly truePositives: number;
  readonly positives: number;
  readonly precision: number | null;
  readonly recall: number | null;
  readonly f1: number | null;
}

export interface EvaluationReport {
  readonly labelledTransactions: number;
  readonly illicitTransactions: number;
  readonly launderingTransactions: number;
  /** Alerted transaction ids with no label row (counted as licit). */
  readonly alertedUnlabelled: number;
  readonly patterns: readonly PatternEvaluation[];
  /** Any alert against any illicit label. */
  readonly overall: OverallEvaluation;
  /** Any alert against laundering-pattern labels only. */
  readonly overallLaundering: OverallEvaluation;
}

const LAUNDERING = new Set<string>(LAUNDERING_PATTERNS);

export function evaluateAlerts(
  alerts: readonly EvaluatedAlert[],
  labels: Iterable<TransferLabel>,
  instances: Iterable<EvaluatedInstance> | null = null,
): EvaluationReport {
  // Alerted id → bit set of the patterns alerting it (11 patterns fit an int).
  const alertedBy = new Map<string, number>();
  const alertCount = new Map<string, number>();
  for (const alert of alerts) {
    if (!LAUNDERING.has(alert.pattern)) continue;
    const bit = 1 << LAUNDERING_PATTERNS.indexOf(alert.pattern as LaunderingPattern);
    alertCount.set(alert.pattern, (alertCount.get(alert.pattern) ?? 0) + 1);
    for (const id of alert.transactionIds) alertedBy.set(id, (alertedBy.get(id) ?? 0) | bit);
  }
  const perPattern = LAUNDERING_PATTERNS.map(() => ({ alerted: 0, alertedIllicit: 0, labelled: 0, found: 0 }));
  for (const bits of alertedBy.values()) {
    for (let p = 0; p < LAUNDERING_PATTERNS.length; p++) {
      const counts = perPattern[p];
      if (counts !== undefined && (bits & (1 << p)) !== 0) counts.alerted += 1;
    }
  }
  let labelled = 0;
  let illicit = 0;
  let laundering = 0;
  let alertedLabelled = 0;
  let alertedIllicit = 0;
  let alertedLaundering = 0;
  for (const label of labels) {
    labelled += 1;
    const launderingPattern = label.pattern !== null && LAUNDERING.has(label.pattern);
    if (label.isIllicit) illicit += 1;
    if (label.isIllicit && launderingPattern) laundering += 1;
    const p = launderingPattern ? LAUNDERING_PATTERNS.indexOf(label.pattern as LaunderingPattern) : -1;
    const labelledCounts = perPattern[p];
    if (label.isIllicit && labelledCounts !== undefined) labelledCounts.labelled += 1;
    const bits = alertedBy.get(label.id);
    if (bits === undefined) continue;
    alertedLabelled += 1;
    if (!label.isIllicit) continue;
    alertedIllicit += 1;
    if (labelledCounts !== undefined) alertedLaundering += 1;
    if (labelledCounts !== undefined && (bits & (1 << p)) !== 0) labelledCounts.found += 1;
    for (let q = 0; q < LAUNDERING_PATTERNS.length; q++) {
      const counts = perPattern[q];
      if (counts !== undefined && (bits & (1 << q)) !== 0) counts.alertedIllicit += 1;
    }
  }
  const instanceCounts = instances === null ? null : countInstances(instances, alertedBy);
  const patterns = LAUNDERING_PATTERNS.map((pattern, p): PatternEvaluation => {
    const counts = perPattern[p] ?? { alerted: 0, alertedIllicit: 0, labelled: 0, found: 0 };
    const precision = ratio(counts.alertedIllicit, counts.alerted);
    const recall = ratio(counts.found, counts.labelled);
    const found = instanceCounts?.[p];
    return {
      pattern,
      alerts: alertCount.get(pattern) ?? 0,
      alertedTransactions: counts.alerted,
      alertedIllicit: counts.alertedIllicit,
      labelledTransactions: counts.labelled,
      labelledFound: counts.found,
      precision,
      recall,
      f1: harmonic(precision, recall),
      instances: found?.total ?? null,
      instancesFound: found?.found ?? null,
      instanceRecall: found === undefined ? null : ratio(found.found, found.total),
    };
  });
  return {
    labelledTransactions: labelled,
    illicitTransactions: illicit,
    launderingTransactions: laundering,
    alertedUnlabelled: alertedBy.size - alertedLabelled,
    patterns,
    overall: overall(alertedBy.size, alertedIllicit, illicit),
    overallLaundering: overall(alertedBy.size, alertedLaundering, laundering),
  };
}

function countInstances(
  instances: Iterable<EvaluatedInstance>,
  alertedBy: ReadonlyMap<string, number>,
): { total: number; found: number }[] {
  const counts = LAUNDERING_PATTERNS.map(() => ({ total: 0, found: 0 }));
  for (const instance of instances) {
    if (!LAUNDERING.has(instance.pattern) || instance.transactionIds.length === 0) continue;
    const p = LAUNDERING_PATTERNS.indexOf(instance.pattern as LaunderingPattern);
    const entry = counts[p];
    if (entry === undefined) continue;
    let inAlerts = 0;
    for (const id of instance.transactionIds) if (((alertedBy.get(id) ?? 0) & (1 << p)) !== 0) inAlerts += 1;
    entry.total += 1;
    if (inAlerts >= INSTANCE_FOUND_SHARE_MIN * instance.transactionIds.length) entry.found += 1;
  }
  return counts;
}

function overall(alerted: number, truePositives: number, positives: number): OverallEvaluation {
  const precision = ratio(truePositives, alerted);
  const recall = ratio(truePositives, positives);
  return { alertedTransactions: alerted, truePositives, positives, precision, recall, f1: harmonic(precision, recall) };
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

function harmonic(precision: number | null, recall: number | null): number | null {
  if (precision === null || recall === null) return null;
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

/** A plain-text table for the CLI: one row per pattern, then the two overall rows. */
export function formatEvaluation(report: EvaluationReport): string {
  const header = ['pattern', 'alerts', 'alerted_tx', 'labelled_tx', 'precision', 'recall', 'f1', 'instances'];
  const rows: string[][] = report.patterns.map((p) => [
    p.pattern,
    String(p.alerts),
    String(p.alertedTransactions),
    String(p.labelledTransactions),
    fixed(p.precision),
    fixed(p.recall),
    fixed(p.f1),
    p.instances === null ? '-' : `${p.instancesFound}/${p.instances}`,
  ]);
  const totalAlerts = report.patterns.reduce((sum, p) => sum + p.alerts, 0);
  for (const [name, o] of [
    ['overall (any illicit)', report.overall],
    ['overall (laundering)', report.overallLaundering],
  ] as const) {
    rows.push([
      name,
      String(totalAlerts),
      String(o.alertedTransactions),
      String(o.positives),
      fixed(o.precision),
      fixed(o.recall),
      fixed(o.f1),
      '-',
    ]);
  }
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [
    line(header),
    rule,
    ...rows.slice(0, report.patterns.length).map(line),
    rule,
    ...rows.slice(report.patterns.length).map(line),
    '',
    `labelled transactions ${report.labelledTransactions}, illicit ${report.illicitTransactions}, ` +
      `laundering ${report.launderingTransactions}, alerted without a label ${report.alertedUnlabelled}`,
  ].join('\n');
}

function fixed(value: number | null): string {
  return value === null ? '-' : value.toFixed(3);
}
