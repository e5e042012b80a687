/**
 * An AML alert as the CLI writes it and the regulator's case list takes it: plain strings and
 * numbers only (JSON-friendly), with a deterministic id derived from its pattern and transactions.
 */
import { createHash } from 'node:crypto';
import { assert } from '@paychain/core';
import { CURRENCY_DECIMALS, type LaunderingPattern } from '../transfer-record.ts';
import type { TransferGraph } from './transfer-graph.ts';

export interface AmlAlert {
  /** `aml-<pattern>-<16 hex>`: a hash of the pattern and the sorted transaction ids, so a rescan gives the same id. */
  readonly id: string;
  readonly pattern: LaunderingPattern;
  /** The accounts involved, the leading role first (the source of a fan-out, the ring's start, the mule…). */
  readonly accounts: readonly string[];
  /** In (time, id) order. */
  readonly transactionIds: readonly string[];
  /** In [0, 1]: how strongly the shape matches; for ranking cases, not a probability. */
  readonly score: number;
  readonly explanation: string;
  /** ISO-8601 UTC times of the first and last transaction. */
  readonly windowStart: string;
  readonly windowEnd: string;
}

/** What a detector raises, in graph indexes; `finishAlert` turns it into an `AmlAlert`. */
export interface AlertCandidate {
  readonly pattern: LaunderingPattern;
  readonly accounts: readonly number[];
  readonly transfers: readonly number[];
  readonly score: number;
  readonly explanation: string;
}

export function finishAlert(graph: TransferGraph, candidate: AlertCandidate): AmlAlert {
  assert(candidate.transfers.length > 0, 'an alert names its transactions');
  assert(candidate.score >= 0 && candidate.score <= 1, 'a score is in [0, 1]');
  const transfers = [...new Set(candidate.transfers)].sort((a, b) => a - b);
  const transactionIds = transfers.map((t) => graph.transferIds[t] ?? '');
  const accounts = [...new Set(candidate.accounts)].map((a) => graph.accountIds[a] ?? '');
  const hash = createHash('sha256').update(candidate.pattern).update('\n').update(transactionIds.join('\n'));
  return {
    id: `aml-${candidate.pattern}-${hash.digest('hex').slice(0, 16)}`,
    pattern: candidate.pattern,
    accounts,
    transactionIds,
    score: Math.round(candidate.score * 1000) / 1000,
    explanation: candidate.explanation,
    windowStart: new Date(graph.timeMs[transfers[0] ?? 0] ?? 0).toISOString(),
    windowEnd: new Date(graph.timeMs[transfers[transfers.length - 1] ?? 0] ?? 0).toISOString(),
  };
}

/** Alerts in a fixed order: by start time, then pattern, then id. */
export function compareAlerts(a: AmlAlert, b: AmlAlert): number {
  if (a.windowStart !== b.windowStart) return a.windowStart < b.windowStart ? -1 : 1;
  if (a.pattern !== b.pattern) return a.pattern < b.pattern ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Minor units → "212,400.00 CNY" for explanations: whole part grouped by thousands, then the currency. */
export function formatMoney(amountMinor: number, currency: string): string {
  assert(Number.isSafeInteger(amountMinor) && amountMinor >= 0, 'explained amounts are exact minor units');
  const decimals = CURRENCY_DECIMALS[currency] ?? 2;
  const digits = amountMinor.toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${whole}${decimals > 0 ? `.${digits.slice(digits.length - decimals)}` : ''} ${currency}`;
}

/** A span for explanations: "40 min", "6 h", "3.5 days" (rounded up, so "within" stays true). */
export function formatDuration(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.ceil(ms / 3_600_000);
  if (hours <= 72) return `${hours} h`;
  return `${Math.ceil(ms / 8_640_000) / 10} days`;
}

/** "12%" for a share in [0, 1]. */
export function formatPercent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** The span of a set of transfers, for explanations. */
export function transfersSpanMs(graph: TransferGraph, transfers: readonly number[]): number {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const t of transfers) {
    const time = graph.timeMs[t] ?? 0;
    if (time < first) first = time;
    if (time > last) last = time;
  }
  return transfers.length === 0 ? 0 : last - first;
}

export function sumAmounts(graph: TransferGraph, transfers: readonly number[]): number {
  let sum = 0;
  for (const t of transfers) sum += graph.amountMinor[t] ?? 0;
  return sum;
}

/** Clamps a heuristic score into [0, 1]. */
export function clampScore(score: number): number {
  return Math.min(1, Math.max(0, score));
}
