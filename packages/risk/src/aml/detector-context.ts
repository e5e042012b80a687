/**
 * What every detector works with: the graph, the resolved options, where it puts its candidate
 * alerts, which transfers are taken, and counters of its work. A transfer is taken for a detector
 * when one of its own earlier alerts holds it (one detector never reports a transfer twice) or,
 * for detectors that search for structure, when an alert of a more specific pattern that ran
 * before holds it (a stack's block is not searched again as a bipartite one).
 */
import { assert } from '@paychain/core';
import { LAUNDERING_PATTERNS, type LaunderingPattern } from '../transfer-record.ts';
import type { AlertCandidate } from './aml-alert.ts';
import type { AmlConfig } from './aml-options.ts';
import {
  ACCOUNT_FLAG_BANK,
  ACCOUNT_FLAG_MERCHANT,
  TRANSFER_FLAG_PERSONAL,
  type TransferGraph,
} from './transfer-graph.ts';

export class DetectorContext {
  readonly graph: TransferGraph;
  readonly config: AmlConfig;
  readonly pattern: LaunderingPattern;
  readonly candidates: AlertCandidate[] = [];
  /** Seeds (accounts or transfers) a search started from. */
  seeds = 0;
  /** Searches or windows cut short by a limit of `AmlLimits`. */
  boundHits = 0;
  /** Candidates dropped because `detectorAlertsMax` was reached. */
  alertsDropped = 0;
  /** Per transfer, a bit per pattern whose alerts hold it (`patternBit`); shared by the scan's detectors. */
  private readonly marks: Uint16Array;
  /** The bits that make a transfer taken for this detector. */
  private readonly takenMask: number;
  private readonly ownBit: number;

  /**
   * `marks` is shared by the detectors of one scan, run most specific first; `takenBy` lists the
   * patterns whose alerts this detector must leave alone (its own is always among them).
   */
  constructor(
    graph: TransferGraph,
    config: AmlConfig,
    pattern: LaunderingPattern,
    marks: Uint16Array,
    takenBy: readonly LaunderingPattern[],
  ) {
    this.graph = graph;
    this.config = config;
    this.pattern = pattern;
    this.marks = marks;
    this.ownBit = patternBit(pattern);
    this.takenMask = takenBy.reduce((mask, p) => mask | patternBit(p), this.ownBit);
  }

  /** Records a candidate and marks its transfers taken; false once the alert limit is reached. */
  emit(candidate: Omit<AlertCandidate, 'pattern'>): boolean {
    if (this.candidates.length >= this.config.limits.detectorAlertsMax) {
      this.alertsDropped += 1;
      return false;
    }
    this.candidates.push({ ...candidate, pattern: this.pattern });
    for (const t of candidate.transfers) this.marks[t] = (this.marks[t] ?? 0) | this.ownBit;
    return true;
  }

  isUsed(transfer: number): boolean {
    return ((this.marks[transfer] ?? 0) & this.takenMask) !== 0;
  }

  /** A person-to-person transfer not taken for this detector. */
  isFreePersonal(transfer: number): boolean {
    return ((this.graph.transferFlags[transfer] ?? 0) & TRANSFER_FLAG_PERSONAL) !== 0 && !this.isUsed(transfer);
  }

  /** Merchants and banks are not the people laundering patterns run through. */
  isPersonAccount(account: number): boolean {
    return ((this.graph.accountFlags[account] ?? 0) & (ACCOUNT_FLAG_MERCHANT | ACCOUNT_FLAG_BANK)) === 0;
  }
}

assert(LAUNDERING_PATTERNS.length <= 16, 'a bit per pattern fits the Uint16Array of marks');

export function patternBit(pattern: LaunderingPattern): number {
  return 1 << LAUNDERING_PATTERNS.indexOf(pattern);
}

/**
 * A set of small integers (accounts, transfers) cleared in O(1) by moving to a new generation:
 * searches run from millions of seeds, and clearing a graph-sized array each time would dominate.
 */
export class StampSet {
  private readonly stamps: Int32Array;
  private generation = 1;

  constructor(size: number) {
    this.stamps = new Int32Array(size);
  }

  clear(): void {
    this.generation += 1;
    if (this.generation === 0x7fffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  has(value: number): boolean {
    return this.stamps[value] === this.generation;
  }

  /** True when `value` was not in the set. */
  add(value: number): boolean {
    if (this.stamps[value] === this.generation) return false;
    this.stamps[value] = this.generation;
    return true;
  }

  delete(value: number): void {
    if (this.stamps[value] === this.generation) this.stamps[value] = 0;
  }
}

/**
 * Counts per small integer, for distinct counts over sliding windows; `reset` walks only the
 * values touched since the last reset.
 */
export class CountMap {
  private readonly counts: Int32Array;
  private readonly touched: number[] = [];
  /** Values with a count above zero. */
  distinct = 0;

  constructor(size: number) {
    this.counts = new Int32Array(size);
  }

  get(value: number): number {
    return this.counts[value] ?? 0;
  }

  increment(value: number): void {
    const count = this.counts[value] ?? 0;
    if (count === 0) {
      this.distinct += 1;
      this.touched.push(value);
    }
    this.counts[value] = count + 1;
  }

  decrement(value: number): void {
    const count = this.counts[value] ?? 0;
    if (count === 1) this.distinct -= 1;
    if (count > 0) this.counts[value] = count - 1;
  }

  reset(): void {
    for (const value of this.touched) this.counts[value] = 0;
    this.touched.length = 0;
    this.distinct = 0;
  }
}
