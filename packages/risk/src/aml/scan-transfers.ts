/**
 * `scanTransfers`: builds the transaction graph, runs the enabled detectors from the most specific
 * pattern down (the structured ones leaving alone the transfers earlier ones alerted on), drops
 * alerts mostly covered by a more specific one, and returns the alerts in a fixed order with
 * per-detector counts. The same transfers (in any input order) and options give the same alerts.
 */
import { performance } from 'node:perf_hooks';
import { assert } from '@paychain/core';
import type { LaunderingPattern, TransferRecord } from '../transfer-record.ts';
import { type AmlAlert, compareAlerts, finishAlert } from './aml-alert.ts';
import { type AmlConfig, type AmlOptionsError, type AmlScanOptions, resolveAmlOptions } from './aml-options.ts';
import { detectBipartite } from './detect-bipartite.ts';
import { detectCycle } from './detect-cycle.ts';
import { detectDormantActivation } from './detect-dormant-activation.ts';
import { detectFanIn, detectFanOut } from './detect-fan.ts';
import { detectGatherScatter } from './detect-gather-scatter.ts';
import { detectRapidPassThrough } from './detect-rapid-pass-through.ts';
import { detectScatterGather } from './detect-scatter-gather.ts';
import { detectSmurfing } from './detect-smurfing.ts';
import { detectStack } from './detect-stack.ts';
import { detectStructuring } from './detect-structuring.ts';
import { DetectorContext } from './detector-context.ts';
import { PATTERN_SPECIFICITY, PATTERNS_SHARING_TRANSFERS, suppressCoveredAlerts } from './suppress-covered-alerts.ts';
import {
  type AddTransferRefusal,
  isAddTransferRefusal,
  type TransferGraph,
  TransferGraphBuilder,
} from './transfer-graph.ts';

export interface AmlDetectorStats {
  /** Alerts the detector raised, before suppression. */
  readonly raised: number;
  /** Alerts dropped as covered by a more specific pattern. */
  readonly suppressed: number;
  /** Alerts in the result. */
  readonly reported: number;
  /** Alerts not raised because `detectorAlertsMax` was reached. */
  readonly dropped: number;
  /** Accounts or transfers a search started from. */
  readonly seeds: number;
  /** Searches or windows a limit cut short. */
  readonly boundHits: number;
  readonly elapsedMs: number;
}

export interface AmlScanStats {
  readonly transfers: number;
  readonly accounts: number;
  /** Transfers in another currency than the scan's, left out. */
  readonly skippedOtherCurrency: number;
  readonly graphMs: number;
  readonly elapsedMs: number;
  readonly detectors: Partial<Record<LaunderingPattern, AmlDetectorStats>>;
}

export interface AmlScanResult {
  readonly alerts: AmlAlert[];
  readonly stats: AmlScanStats;
}

export type AmlScanErrorCode = 'options_invalid' | AddTransferRefusal;

/** Input the scan cannot take: bad options, or a transfer beyond the graph's limits. */
export class AmlScanError extends Error {
  override readonly name = 'AmlScanError';
  readonly code: AmlScanErrorCode;
  /** The bad option's field, or the transfer's id. */
  readonly subject: string;
  constructor(code: AmlScanErrorCode, subject: string, message: string) {
    super(message);
    this.code = code;
    this.subject = subject;
  }
}

/** Scans `records` (any order, read once) for every enabled laundering pattern. Throws `AmlScanError` on bad input. */
export function scanTransfers(records: Iterable<TransferRecord>, options: AmlScanOptions = {}): AmlScanResult {
  const started = performance.now();
  const config = resolveOrThrow(options);
  const builder = new TransferGraphBuilder(config.currency);
  for (const record of records) addOrThrow(builder, record);
  return scanTransferGraph(builder.build(), config, performance.now() - started);
}

/**
 * `scanTransfers` over batches streamed from a file (`readTransferBatches` of the CSV reader): only
 * the graph's compact columns are kept, never the records.
 */
export async function scanTransferBatches(
  batches: AsyncIterable<readonly TransferRecord[]>,
  options: AmlScanOptions = {},
): Promise<AmlScanResult> {
  const started = performance.now();
  const config = resolveOrThrow(options);
  const builder = new TransferGraphBuilder(config.currency);
  for await (const batch of batches) for (const record of batch) addOrThrow(builder, record);
  return scanTransferGraph(builder.build(), config, performance.now() - started);
}

function addOrThrow(builder: TransferGraphBuilder, record: TransferRecord): void {
  const status = builder.add(record);
  if (isAddTransferRefusal(status)) {
    throw new AmlScanError(status, record.id, `transfer ${record.id}: ${status.replaceAll('_', ' ')}`);
  }
}

/** The options resolved, or an `AmlScanError` naming the first bad field. */
export function resolveOrThrow(options: AmlScanOptions): AmlConfig {
  const resolved = resolveAmlOptions(options);
  if (!resolved.ok) throw optionsError(resolved.error);
  return resolved.config;
}

/** Runs the detectors over a built graph; `graphMs` is what building it took, for the stats. */
export function scanTransferGraph(graph: TransferGraph, config: AmlConfig, graphMs = 0): AmlScanResult {
  assert(graph.currency === config.currency, 'the graph holds the currency the options scan');
  const started = performance.now();
  const contexts: DetectorContext[] = [];
  const elapsed = new Map<LaunderingPattern, number>();
  const marks = new Uint16Array(graph.transferCount);
  for (const [rank, pattern] of PATTERN_SPECIFICITY.entries()) {
    if (!config.patterns.includes(pattern)) continue;
    const takenBy = PATTERNS_SHARING_TRANSFERS.includes(pattern) ? [] : PATTERN_SPECIFICITY.slice(0, rank);
    const ctx = new DetectorContext(graph, config, pattern, marks, takenBy);
    const detectorStarted = performance.now();
    DETECTORS[pattern](ctx);
    elapsed.set(pattern, performance.now() - detectorStarted);
    contexts.push(ctx);
  }
  const { kept, suppressed } = suppressCoveredAlerts(
    contexts.flatMap((ctx) => ctx.candidates),
    graph.transferCount,
    config.suppressCoverageMin,
  );
  const alerts = kept.map((candidate) => finishAlert(graph, candidate)).sort(compareAlerts);
  const detectors: Partial<Record<LaunderingPattern, AmlDetectorStats>> = {};
  for (const ctx of contexts) {
    const suppressedHere = suppressed.get(ctx.pattern) ?? 0;
    detectors[ctx.pattern] = {
      raised: ctx.candidates.length,
      suppressed: suppressedHere,
      reported: ctx.candidates.length - suppressedHere,
      dropped: ctx.alertsDropped,
      seeds: ctx.seeds,
      boundHits: ctx.boundHits,
      elapsedMs: Math.round(elapsed.get(ctx.pattern) ?? 0),
    };
  }
  return {
    alerts,
    stats: {
      transfers: graph.transferCount,
      accounts: graph.accountCount,
      skippedOtherCurrency: graph.skippedOtherCurrency,
      graphMs: Math.round(graphMs),
      elapsedMs: Math.round(graphMs + performance.now() - started),
      detectors,
    },
  };
}

/** One detector per pattern; a `Record` over the union, so a new pattern without a detector does not compile. */
const DETECTORS: Readonly<Record<LaunderingPattern, (ctx: DetectorContext) => void>> = {
  fan_out: detectFanOut,
  fan_in: detectFanIn,
  cycle: detectCycle,
  scatter_gather: detectScatterGather,
  gather_scatter: detectGatherScatter,
  bipartite: detectBipartite,
  stack: detectStack,
  structuring: detectStructuring,
  smurfing: detectSmurfing,
  rapid_pass_through: detectRapidPassThrough,
  dormant_activation: detectDormantActivation,
};

function optionsError(error: AmlOptionsError): AmlScanError {
  return new AmlScanError('options_invalid', error.field, `option ${error.field}: ${error.reason}`);
}
