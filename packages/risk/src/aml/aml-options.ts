/**
 * What an AML scan looks for and how far it may search. Defaults follow `docs/aml-patterns.md`
 * (amounts in CNY fen) with some slack below each documented lower bound, so a pattern drawn at
 * the edge of its range is still found. Limits bound the work of every search, whatever the input.
 */
import { assert } from '@paychain/core';
import { LARGE_VALUE_THRESHOLD_DEFAULT, LAUNDERING_PATTERNS, type LaunderingPattern } from '../transfer-record.ts';
import { GRAPH_AMOUNT_MINOR_MAX } from './transfer-graph.ts';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** Time windows, in milliseconds. */
export interface AmlWindows {
  /** fan_out and fan_in: all transfers of one group within this span. */
  readonly fanMs: number;
  /** cycle: each hop at most this long after the previous one. */
  readonly cycleHopMs: number;
  /** scatter_gather: the source's transfers to the intermediates within this span. */
  readonly scatterMs: number;
  /** scatter_gather: an intermediate forwards at most this long after it received. */
  readonly gatherHopMs: number;
  /** gather_scatter: the inputs within this span, and the outputs within this span after the last input. */
  readonly gatherScatterMs: number;
  /** bipartite: every edge of the group within this span of the first. */
  readonly bipartiteMs: number;
  /** stack: a layer pays the next one at most this long after it was paid. */
  readonly stackHopMs: number;
  /** structuring: the transfers just below the threshold within this span. */
  readonly structuringMs: number;
  /** smurfing: the smurfs' transfers to the collector within this span. */
  readonly smurfingMs: number;
  /** smurfing: a smurf's top-up at most this long before its transfer. */
  readonly smurfTopupMs: number;
  /** rapid_pass_through: the money leaves at most this long after it arrived. */
  readonly passThroughMs: number;
  /** rapid_pass_through: the repeated pass-throughs of one mule within this span. */
  readonly passThroughPeriodMs: number;
  /** dormant_activation: the idle spell lasts at least this long. */
  readonly dormantIdleMs: number;
  /** dormant_activation: the activity after the idle spell within this span. */
  readonly dormantActivityMs: number;
}

export const AML_WINDOWS_DEFAULT: AmlWindows = {
  fanMs: 48 * HOUR_MS,
  cycleHopMs: 72 * HOUR_MS,
  scatterMs: 48 * HOUR_MS,
  gatherHopMs: 48 * HOUR_MS,
  gatherScatterMs: 48 * HOUR_MS,
  bipartiteMs: 72 * HOUR_MS,
  stackHopMs: 24 * HOUR_MS,
  structuringMs: 7 * DAY_MS,
  smurfingMs: 7 * DAY_MS,
  smurfTopupMs: 24 * HOUR_MS,
  passThroughMs: 24 * HOUR_MS,
  passThroughPeriodMs: 30 * DAY_MS,
  dormantIdleMs: 60 * DAY_MS,
  dormantActivityMs: 7 * DAY_MS,
};

/** Shape parameters: amounts in minor units of the scan's currency, counts, and ratios. */
export interface AmlParameters {
  /** fan_out, fan_in and bipartite: smallest transfer counted (the documented shapes start at 5,000). */
  readonly fanAmountMin: bigint;
  /** fan_out / fan_in: fewest distinct counterparties. */
  readonly fanCountMin: number;
  /** fan_out: largest / smallest amount of the group (±20 % of a mean is at most 1.5). */
  readonly fanOutSpreadMax: number;
  /** cycle: smallest first hop. */
  readonly cycleAmountMin: bigint;
  /** A forwarded amount is between these shares of what came in (cycle, scatter_gather, gather_scatter, rapid_pass_through). */
  readonly forwardShareMin: number;
  readonly forwardShareMax: number;
  /**
   * scatter_gather, gather_scatter and stack: smallest transfer counted into a layer; what a hub or
   * middle account pays on is split, so half of it counts there.
   */
  readonly layerAmountMin: bigint;
  /** scatter_gather: fewest intermediates. gather_scatter: fewest sources and fewest targets. */
  readonly layerCountMin: number;
  /** bipartite: fewest senders, fewest receivers, fewest edges. */
  readonly bipartiteSideMin: number;
  readonly bipartiteEdgesMin: number;
  /** stack: fewest accounts per layer. */
  readonly stackLayerMin: number;
  /** structuring: transfers from this share of the threshold up to (not including) the threshold. */
  readonly structuringShareMin: number;
  readonly structuringCountMin: number;
  /** smurfing: amounts counted, and fewest smurfs. */
  readonly smurfAmountMin: bigint;
  readonly smurfAmountMax: bigint;
  readonly smurfCountMin: number;
  /** rapid_pass_through: smallest amount received, fewest pass-throughs. */
  readonly passThroughAmountMin: bigint;
  readonly passThroughCountMin: number;
  /** dormant_activation: fewest transfers after the idle spell, and the total they must exceed. */
  readonly dormantCountMin: number;
  readonly dormantTotalMin: bigint;
}

export const AML_PARAMETERS_DEFAULT: AmlParameters = {
  fanAmountMin: 4_000_00n,
  fanCountMin: 5,
  fanOutSpreadMax: 1.5,
  cycleAmountMin: 15_000_00n,
  forwardShareMin: 0.85,
  forwardShareMax: 1,
  layerAmountMin: 2_000_00n,
  layerCountMin: 3,
  bipartiteSideMin: 3,
  bipartiteEdgesMin: 8,
  stackLayerMin: 2,
  structuringShareMin: 0.9,
  structuringCountMin: 3,
  smurfAmountMin: 1_500_00n,
  smurfAmountMax: 10_000_00n,
  smurfCountMin: 6,
  passThroughAmountMin: 8_000_00n,
  passThroughCountMin: 2,
  dormantCountMin: 3,
  dormantTotalMin: 50_000_00n,
};

/** Bounds on the work of every search; each detector counts how often it met one (`AmlDetectorStats`). */
export interface AmlLimits {
  /** Transfers one sliding-window group may hold (fan, structuring, smurfing, gather_scatter). */
  readonly windowTransfersMax: number;
  /** Candidate transfers followed from one account at one step of a path search. */
  readonly pathFanOutMax: number;
  /** Hops of a cycle (at most 6, the longest ring documented). */
  readonly pathHopsMax: number;
  /** Transfers examined from one seed (a starting transfer or account) by a path or group search. */
  readonly seedWorkMax: number;
  /** Accounts one group (bipartite side, stack layer) may hold before the search gives it up as too dense. */
  readonly groupAccountsMax: number;
  /** Alerts one detector may raise in a scan. */
  readonly detectorAlertsMax: number;
}

export const AML_LIMITS_DEFAULT: AmlLimits = {
  windowTransfersMax: 256,
  pathFanOutMax: 16,
  pathHopsMax: 6,
  seedWorkMax: 4_096,
  groupAccountsMax: 12,
  detectorAlertsMax: 200_000,
};

/** Hard ceilings on the limits, so no option can make a search unbounded. */
export const AML_LIMITS_MAX: AmlLimits = {
  windowTransfersMax: 1_024,
  pathFanOutMax: 256,
  pathHopsMax: 6,
  seedWorkMax: 1_000_000,
  groupAccountsMax: 64,
  detectorAlertsMax: 10_000_000,
};

export interface AmlScanOptions {
  /** Currency scanned; transfers in others are skipped and counted. Default CNY. */
  readonly currency?: string;
  /** The large-value reporting threshold T in minor units; structuring is just below it. */
  readonly thresholdMinor?: bigint;
  /** Detectors to run; default all of `LAUNDERING_PATTERNS`. */
  readonly patterns?: readonly LaunderingPattern[];
  readonly windows?: Partial<AmlWindows>;
  readonly parameters?: Partial<AmlParameters>;
  readonly limits?: Partial<AmlLimits>;
  /**
   * An alert whose transactions are at least this share covered by alerts of a more specific
   * pattern is dropped (a scatter_gather's fan-out leg is not also a fan_out). Default 0.5.
   */
  readonly suppressCoverageMin?: number;
}

/** Options with defaults filled in and amounts as numbers of minor units (see `GRAPH_AMOUNT_MINOR_MAX`). */
export interface AmlConfig {
  readonly currency: string;
  readonly threshold: number;
  readonly patterns: readonly LaunderingPattern[];
  readonly windows: AmlWindows;
  readonly fanAmountMin: number;
  readonly fanCountMin: number;
  readonly fanOutSpreadMax: number;
  readonly cycleAmountMin: number;
  readonly forwardShareMin: number;
  readonly forwardShareMax: number;
  readonly layerAmountMin: number;
  readonly layerCountMin: number;
  readonly bipartiteSideMin: number;
  readonly bipartiteEdgesMin: number;
  readonly stackLayerMin: number;
  readonly structuringShareMin: number;
  readonly structuringCountMin: number;
  readonly smurfAmountMin: number;
  readonly smurfAmountMax: number;
  readonly smurfCountMin: number;
  readonly passThroughAmountMin: number;
  readonly passThroughCountMin: number;
  readonly dormantCountMin: number;
  readonly dormantTotalMin: number;
  readonly limits: AmlLimits;
  readonly suppressCoverageMin: number;
}

export type AmlOptionsError = { readonly field: string; readonly reason: string };

/**
 * Fills in defaults and checks every value; the first bad field is returned (fields in the
 * order of `AmlScanOptions`), never thrown, since options come from the CLI.
 */
export function resolveAmlOptions(
  options: AmlScanOptions = {},
): { ok: true; config: AmlConfig } | { ok: false; error: AmlOptionsError } {
  const fail = (field: string, reason: string) => ({ ok: false as const, error: { field, reason } });
  const currency = options.currency ?? 'CNY';
  if (!/^[A-Z]{3}$/.test(currency)) return fail('currency', 'must be a three-letter ISO 4217 code');
  const thresholdMinor = options.thresholdMinor ?? LARGE_VALUE_THRESHOLD_DEFAULT;
  if (!isAmount(thresholdMinor) || thresholdMinor === 0n) return fail('thresholdMinor', 'must be a positive amount');
  const patterns = options.patterns ?? LAUNDERING_PATTERNS;
  for (const pattern of patterns) {
    if (!(LAUNDERING_PATTERNS as readonly string[]).includes(pattern)) return fail('patterns', `unknown ${pattern}`);
  }
  const windows: AmlWindows = { ...AML_WINDOWS_DEFAULT, ...options.windows };
  for (const [name, ms] of Object.entries(windows)) {
    if (!Number.isSafeInteger(ms) || ms <= 0) return fail(`windows.${name}`, 'must be a positive whole number of ms');
  }
  const p: AmlParameters = { ...AML_PARAMETERS_DEFAULT, ...options.parameters };
  for (const [name, value] of Object.entries(p)) {
    if (typeof value === 'bigint' && !isAmount(value)) return fail(`parameters.${name}`, 'must be an amount ≥ 0');
    if (
      name.endsWith('CountMin') ||
      name.endsWith('SideMin') ||
      name.endsWith('EdgesMin') ||
      name.endsWith('LayerMin')
    ) {
      if (!Number.isInteger(value) || Number(value) < 2)
        return fail(`parameters.${name}`, 'must be a whole number ≥ 2');
    }
  }
  if (!(p.fanOutSpreadMax >= 1)) return fail('parameters.fanOutSpreadMax', 'must be ≥ 1');
  if (!(p.forwardShareMin > 0 && p.forwardShareMin <= p.forwardShareMax && p.forwardShareMax <= 1.5)) {
    return fail('parameters.forwardShareMin', 'need 0 < forwardShareMin ≤ forwardShareMax ≤ 1.5');
  }
  if (!(p.structuringShareMin > 0 && p.structuringShareMin < 1)) {
    return fail('parameters.structuringShareMin', 'must be between 0 and 1');
  }
  if (p.smurfAmountMin > p.smurfAmountMax) return fail('parameters.smurfAmountMin', 'must be ≤ smurfAmountMax');
  const limits: AmlLimits = { ...AML_LIMITS_DEFAULT, ...options.limits };
  for (const [name, value] of Object.entries(limits) as [keyof AmlLimits, number][]) {
    if (!Number.isInteger(value) || value < 1 || value > AML_LIMITS_MAX[name]) {
      return fail(`limits.${name}`, `must be a whole number from 1 to ${AML_LIMITS_MAX[name]}`);
    }
  }
  if (limits.pathHopsMax < 2) return fail('limits.pathHopsMax', 'a cycle has at least 2 hops');
  const suppressCoverageMin = options.suppressCoverageMin ?? 0.5;
  if (!(suppressCoverageMin > 0 && suppressCoverageMin <= 1)) {
    return fail('suppressCoverageMin', 'must be in (0, 1]');
  }
  return {
    ok: true,
    config: {
      currency,
      threshold: Number(thresholdMinor),
      patterns: LAUNDERING_PATTERNS.filter((pattern) => patterns.includes(pattern)),
      windows,
      fanAmountMin: Number(p.fanAmountMin),
      fanCountMin: p.fanCountMin,
      fanOutSpreadMax: p.fanOutSpreadMax,
      cycleAmountMin: Number(p.cycleAmountMin),
      forwardShareMin: p.forwardShareMin,
      forwardShareMax: p.forwardShareMax,
      layerAmountMin: Number(p.layerAmountMin),
      layerCountMin: p.layerCountMin,
      bipartiteSideMin: p.bipartiteSideMin,
      bipartiteEdgesMin: p.bipartiteEdgesMin,
      stackLayerMin: p.stackLayerMin,
      structuringShareMin: p.structuringShareMin,
      structuringCountMin: p.structuringCountMin,
      smurfAmountMin: Number(p.smurfAmountMin),
      smurfAmountMax: Number(p.smurfAmountMax),
      smurfCountMin: p.smurfCountMin,
      passThroughAmountMin: Number(p.passThroughAmountMin),
      passThroughCountMin: p.passThroughCountMin,
      dormantCountMin: p.dormantCountMin,
      dormantTotalMin: Number(p.dormantTotalMin),
      limits,
      suppressCoverageMin,
    },
  };
}

function isAmount(value: bigint): boolean {
  return value >= 0n && value <= BigInt(GRAPH_AMOUNT_MINOR_MAX);
}

assert(AML_LIMITS_DEFAULT.windowTransfersMax <= 1024, 'a window sum of amounts below 2^43 each stays exact');
assert(AML_LIMITS_MAX.windowTransfersMax <= 1024, 'a window sum of amounts below 2^43 each stays exact');
assert(AML_LIMITS_DEFAULT.pathHopsMax <= AML_LIMITS_MAX.pathHopsMax, 'defaults within the ceilings');
