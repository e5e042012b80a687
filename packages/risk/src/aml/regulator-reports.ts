/**
 * The two reports the regulator receives: large-value transactions (every single transfer at or
 * above the threshold) and suspicious transactions (every transaction of every AML alert, with the
 * alert's pattern, score and explanation as the grounds). Rows are plain strings; `…ToCsv` writes
 * them as RFC 4180 CSV with the header documented on each.
 */
import { formatAmount } from '@paychain/core';
import { csvField } from '../csv/csv-writer.ts';
import { CURRENCY_DECIMALS, LARGE_VALUE_THRESHOLD_DEFAULT, type TransferRecord } from '../transfer-record.ts';
import type { AmlAlert } from './aml-alert.ts';

export interface LargeValueReportRow {
  readonly id: string;
  /** ISO-8601 UTC. */
  readonly timestamp: string;
  readonly fromAccount: string;
  readonly toAccount: string;
  /** Decimal string in the currency's unit, e.g. "50000.00". */
  readonly amount: string;
  readonly currency: string;
  readonly channel: string;
  /** Empty when the transfer is not a merchant payment. */
  readonly merchantId: string;
}

/** `id,timestamp,from_account,to_account,amount,currency,channel,merchant_id` */
export const LARGE_VALUE_REPORT_HEADER = [
  'id',
  'timestamp',
  'from_account',
  'to_account',
  'amount',
  'currency',
  'channel',
  'merchant_id',
] as const;

/** Transfers in `currency` of at least `thresholdMinor`, in (time, id) order. */
export function largeValueReport(
  records: Iterable<TransferRecord>,
  thresholdMinor: bigint = LARGE_VALUE_THRESHOLD_DEFAULT,
  currency = 'CNY',
): LargeValueReportRow[] {
  const large: TransferRecord[] = [];
  for (const record of records) {
    if (record.currency === currency && record.amount >= thresholdMinor) large.push(record);
  }
  large.sort((a, b) => a.timestampMs - b.timestampMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return large.map((record) => ({
    id: record.id,
    timestamp: new Date(record.timestampMs).toISOString(),
    fromAccount: record.fromAccount,
    toAccount: record.toAccount,
    amount: formatRecordAmount(record),
    currency: record.currency,
    channel: record.channel,
    merchantId: record.merchantId ?? '',
  }));
}

export function largeValueReportToCsv(rows: readonly LargeValueReportRow[]): string {
  return toCsv(
    LARGE_VALUE_REPORT_HEADER,
    rows.map((r) => [r.id, r.timestamp, r.fromAccount, r.toAccount, r.amount, r.currency, r.channel, r.merchantId]),
  );
}

export interface SuspiciousTransactionReportRow {
  readonly alertId: string;
  readonly pattern: string;
  /** The alert's score with three decimals. */
  readonly score: string;
  readonly transactionId: string;
  /** The transaction's fields; empty when `recordsById` lacks it (the alert still names it). */
  readonly timestamp: string;
  readonly fromAccount: string;
  readonly toAccount: string;
  readonly amount: string;
  readonly currency: string;
  readonly channel: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly explanation: string;
}

/**
 * `alert_id,pattern,score,transaction_id,timestamp,from_account,to_account,amount,currency,channel,
 * window_start,window_end,explanation`
 */
export const SUSPICIOUS_TRANSACTION_REPORT_HEADER = [
  'alert_id',
  'pattern',
  'score',
  'transaction_id',
  'timestamp',
  'from_account',
  'to_account',
  'amount',
  'currency',
  'channel',
  'window_start',
  'window_end',
  'explanation',
] as const;

/** One row per transaction of each alert, alerts in the given order, transactions in the alert's order. */
export function suspiciousTransactionReport(
  alerts: readonly AmlAlert[],
  recordsById: ReadonlyMap<string, TransferRecord>,
): SuspiciousTransactionReportRow[] {
  const rows: SuspiciousTransactionReportRow[] = [];
  for (const alert of alerts) {
    for (const id of alert.transactionIds) {
      const record = recordsById.get(id);
      rows.push({
        alertId: alert.id,
        pattern: alert.pattern,
        score: alert.score.toFixed(3),
        transactionId: id,
        timestamp: record === undefined ? '' : new Date(record.timestampMs).toISOString(),
        fromAccount: record?.fromAccount ?? '',
        toAccount: record?.toAccount ?? '',
        amount: record === undefined ? '' : formatRecordAmount(record),
        currency: record?.currency ?? '',
        channel: record?.channel ?? '',
        windowStart: alert.windowStart,
        windowEnd: alert.windowEnd,
        explanation: alert.explanation,
      });
    }
  }
  return rows;
}

export function suspiciousTransactionReportToCsv(rows: readonly SuspiciousTransactionReportRow[]): string {
  return toCsv(
    SUSPICIOUS_TRANSACTION_REPORT_HEADER,
    rows.map((r) => [
      r.alertId,
      r.pattern,
      r.score,
      r.transactionId,
      r.timestamp,
      r.fromAccount,
      r.toAccount,
      r.amount,
      r.currency,
      r.channel,
      r.windowStart,
      r.windowEnd,
      r.explanation,
    ]),
  );
}

/** Header line, then one line per row; every line ends with a newline. */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) lines.push(row.map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}

function formatRecordAmount(record: TransferRecord): string {
  return formatAmount(record.amount, CURRENCY_DECIMALS[record.currency] ?? 2);
}
