// Goal: the large-value report holds exactly the transfers at or above the threshold in its currency,
// the suspicious-transaction report one row per alerted transaction, and both CSVs quote per RFC 4180.
// Method: hand-built transfers and alerts with exact expected text.
import { describe, expect, it } from 'vitest';
import type { AmlAlert } from './aml-alert.ts';
import {
  largeValueReport,
  largeValueReportToCsv,
  suspiciousTransactionReport,
  suspiciousTransactionReportToCsv,
} from './regulator-reports.ts';
import { transfers } from './transfer-fixture.ts';

const records = transfers('lv', [
  { from: 'A', to: 'B', yuan: 49_999.99, hour: 1 },
  { from: 'A', to: 'B', yuan: 120_000, hour: 3 },
  { from: 'A', to: 'B', yuan: 50_000, hour: 2, channel: 'qr', merchantId: 'M-1', mcc: '5944' },
  { from: 'A', to: 'B', yuan: 60_000, hour: 0, currency: 'USD' },
]);

describe('largeValueReport', () => {
  it.each([
    { threshold: 5_000_000n, currency: 'CNY', ids: ['lv-2', 'lv-1'] },
    { threshold: 4_999_999n, currency: 'CNY', ids: ['lv-0', 'lv-2', 'lv-1'] },
    { threshold: 12_000_001n, currency: 'CNY', ids: [] },
    { threshold: 5_000_000n, currency: 'USD', ids: ['lv-3'] },
  ])('takes transfers ≥ $threshold minor units of $currency', ({ threshold, currency, ids }) => {
    expect(largeValueReport(records, threshold, currency).map((r) => r.id)).toEqual(ids);
  });

  it('writes the CSV with its header', () => {
    expect(largeValueReportToCsv(largeValueReport(records))).toBe(
      [
        'id,timestamp,from_account,to_account,amount,currency,channel,merchant_id',
        'lv-2,2025-01-06T02:00:00.000Z,A,B,50000.00,CNY,qr,M-1',
        'lv-1,2025-01-06T03:00:00.000Z,A,B,120000.00,CNY,transfer,',
        '',
      ].join('\n'),
    );
  });
});

describe('suspiciousTransactionReport', () => {
  const alert: AmlAlert = {
    id: 'aml-fan_out-0123456789abcdef',
    pattern: 'fan_out',
    accounts: ['A', 'B'],
    transactionIds: ['lv-1', 'gone'],
    score: 0.8125,
    explanation: 'Account A sent 2 transfers totalling 1,000.00 CNY; "alike"',
    windowStart: '2025-01-06T03:00:00.000Z',
    windowEnd: '2025-01-06T04:00:00.000Z',
  };

  it('writes one row per transaction, empty fields for a record it lacks, quoting where needed', () => {
    const rows = suspiciousTransactionReport([alert], new Map(records.map((r) => [r.id, r])));
    expect(suspiciousTransactionReportToCsv(rows)).toBe(
      [
        'alert_id,pattern,score,transaction_id,timestamp,from_account,to_account,amount,currency,channel,window_start,window_end,explanation',
        'aml-fan_out-0123456789abcdef,fan_out,0.813,lv-1,2025-01-06T03:00:00.000Z,A,B,120000.00,CNY,transfer,2025-01-06T03:00:00.000Z,2025-01-06T04:00:00.000Z,"Account A sent 2 transfers totalling 1,000.00 CNY; ""alike"""',
        'aml-fan_out-0123456789abcdef,fan_out,0.813,gone,,,,,,,2025-01-06T03:00:00.000Z,2025-01-06T04:00:00.000Z,"Account A sent 2 transfers totalling 1,000.00 CNY; ""alike"""',
        '',
      ].join('\n'),
    );
  });
});
