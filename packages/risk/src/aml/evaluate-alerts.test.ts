// Goal: the evaluation's arithmetic is exactly the documented definitions, and its report is plain JSON.
// Method: a tiny hand-counted table of labels, alerts and instances.
import { describe, expect, it } from 'vitest';
import type { TransferLabel } from '../transfer-record.ts';
import { type EvaluatedAlert, evaluateAlerts, formatEvaluation } from './evaluate-alerts.ts';

const labels: TransferLabel[] = [
  { id: 't1', isIllicit: true, pattern: 'fan_out' },
  { id: 't2', isIllicit: true, pattern: 'fan_out' },
  { id: 't3', isIllicit: true, pattern: 'fan_out' },
  { id: 't4', isIllicit: true, pattern: 'cycle' },
  { id: 't5', isIllicit: false, pattern: null },
  { id: 't6', isIllicit: false, pattern: null },
  { id: 't7', isIllicit: true, pattern: 'unpatterned' },
  { id: 't8', isIllicit: true, pattern: 'account_takeover' },
];

const alerts: EvaluatedAlert[] = [
  { pattern: 'fan_out', transactionIds: ['t1', 't2', 't5'] },
  // t3 is a fan_out transaction: illicit, so not a false alarm for cycle, but no recall for fan_out.
  { pattern: 'cycle', transactionIds: ['t4', 't3'] },
  { pattern: 'fan_in', transactionIds: ['t6'] },
  // t9 has no label row: counted as licit.
  { pattern: 'structuring', transactionIds: ['t9'] },
];

const instances = [
  { pattern: 'fan_out', transactionIds: ['t1', 't2', 't3'] },
  { pattern: 'fan_out', transactionIds: ['t11', 't12', 't13'] },
  { pattern: 'cycle', transactionIds: ['t4', 't10'] },
  { pattern: 'account_takeover', transactionIds: ['t8'] },
];

describe('evaluateAlerts', () => {
  const report = evaluateAlerts(alerts, labels, instances);
  const row = (pattern: string) => report.patterns.find((p) => p.pattern === pattern);

  it.each([
    {
      pattern: 'fan_out',
      alerts: 1,
      alerted: 3,
      illicit: 2,
      labelled: 3,
      found: 2,
      p: 2 / 3,
      r: 2 / 3,
      f1: 2 / 3,
      inst: [1, 2],
    },
    { pattern: 'cycle', alerts: 1, alerted: 2, illicit: 2, labelled: 1, found: 1, p: 1, r: 1, f1: 1, inst: [1, 1] },
    {
      pattern: 'fan_in',
      alerts: 1,
      alerted: 1,
      illicit: 0,
      labelled: 0,
      found: 0,
      p: 0,
      r: null,
      f1: null,
      inst: [0, 0],
    },
    {
      pattern: 'structuring',
      alerts: 1,
      alerted: 1,
      illicit: 0,
      labelled: 0,
      found: 0,
      p: 0,
      r: null,
      f1: null,
      inst: [0, 0],
    },
    {
      pattern: 'stack',
      alerts: 0,
      alerted: 0,
      illicit: 0,
      labelled: 0,
      found: 0,
      p: null,
      r: null,
      f1: null,
      inst: [0, 0],
    },
  ])('counts $pattern', (c) => {
    const got = row(c.pattern);
    expect(got).toMatchObject({
      alerts: c.alerts,
      alertedTransactions: c.alerted,
      alertedIllicit: c.illicit,
      labelledTransactions: c.labelled,
      labelledFound: c.found,
      instancesFound: c.inst[0],
      instances: c.inst[1],
    });
    for (const [value, want] of [
      [got?.precision, c.p],
      [got?.recall, c.r],
      [got?.f1, c.f1],
    ] as const) {
      if (want === null) expect(value).toBeNull();
      else expect(value).toBeCloseTo(want, 12);
    }
  });

  it('scores any alert against any illicit label, and against laundering labels only', () => {
    expect(report).toMatchObject({
      labelledTransactions: 8,
      illicitTransactions: 6,
      launderingTransactions: 4,
      alertedUnlabelled: 1,
      overall: { alertedTransactions: 7, truePositives: 4, positives: 6 },
      overallLaundering: { alertedTransactions: 7, truePositives: 4, positives: 4, recall: 1 },
    });
    expect(report.overall.precision).toBeCloseTo(4 / 7, 12);
    expect(report.overall.recall).toBeCloseTo(4 / 6, 12);
    expect(report.overall.f1).toBeCloseTo((2 * (4 / 7) * (4 / 6)) / (4 / 7 + 4 / 6), 12);
  });

  it('leaves instance figures null without instances', () => {
    expect(
      evaluateAlerts(alerts, labels).patterns.every((p) => p.instances === null && p.instanceRecall === null),
    ).toBe(true);
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('prints a table row per pattern and the overall rows', () => {
    const lines = formatEvaluation(report).split('\n');
    expect(lines[0]).toMatch(/^pattern +alerts +alerted_tx +labelled_tx +precision +recall +f1 +instances$/);
    expect(lines.find((l) => l.startsWith('fan_out '))).toMatch(/^fan_out +1 +3 +3 +0\.667 +0\.667 +0\.667 +1\/2$/);
    expect(lines.find((l) => l.startsWith('stack '))).toMatch(/^stack +0 +0 +0 +- +- +- +0\/0$/);
    expect(lines.find((l) => l.startsWith('overall (any illicit)'))).toMatch(/ 4 +7 +6 +0\.571 +0\.667 +0\.615 +-$/);
    expect(lines.at(-1)).toBe('labelled transactions 8, illicit 6, laundering 4, alerted without a label 1');
  });
});
