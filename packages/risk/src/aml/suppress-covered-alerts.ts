/**
 * Composite patterns contain simpler ones: a scatter_gather holds a fan-out and a fan-in, a stack
 * holds bipartite blocks, every layering scheme has accounts that pass money straight on. The
 * composite is reported and its parts are not: patterns are taken from the most specific down,
 * and an alert whose transactions are covered, to at least the given share, by alerts of more
 * specific patterns is dropped.
 */
import { assert } from '@paychain/core';
import { LAUNDERING_PATTERNS, type LaunderingPattern } from '../transfer-record.ts';
import type { AlertCandidate } from './aml-alert.ts';

/**
 * Most specific first, by how much structure a pattern requires: a ring (closed, every hop later,
 * each forwarding a share of the last) first, then the layered shapes, then the single-account ones.
 */
export const PATTERN_SPECIFICITY: readonly LaunderingPattern[] = [
  'cycle',
  'stack',
  'scatter_gather',
  'gather_scatter',
  'bipartite',
  'smurfing',
  'structuring',
  'dormant_activation',
  'rapid_pass_through',
  'fan_out',
  'fan_in',
];

assert(
  PATTERN_SPECIFICITY.length === LAUNDERING_PATTERNS.length &&
    LAUNDERING_PATTERNS.every((p) => PATTERN_SPECIFICITY.includes(p)),
  'every pattern has one place in the specificity order',
);

/**
 * Aggregates over one account's transfers. They run last and may use transfers that a structured
 * pattern's alert holds: a mule's pass-throughs or a collector's fan-in are theirs even when one of
 * them also sits in a bipartite block. One that is mostly a composite's part is then suppressed
 * here. The structured patterns leave alone what any earlier pattern holds.
 */
export const PATTERNS_SHARING_TRANSFERS: readonly LaunderingPattern[] = [
  'dormant_activation',
  'rapid_pass_through',
  'fan_out',
  'fan_in',
];

export interface SuppressionResult {
  readonly kept: AlertCandidate[];
  readonly suppressed: ReadonlyMap<LaunderingPattern, number>;
}

export function suppressCoveredAlerts(
  candidates: readonly AlertCandidate[],
  transferCount: number,
  coverageMin: number,
): SuppressionResult {
  const covered = new Uint8Array(transferCount);
  const kept: AlertCandidate[] = [];
  const suppressed = new Map<LaunderingPattern, number>();
  for (const pattern of PATTERN_SPECIFICITY) {
    const keptNow: AlertCandidate[] = [];
    for (const candidate of candidates) {
      if (candidate.pattern !== pattern) continue;
      let inside = 0;
      for (const t of candidate.transfers) inside += covered[t] ?? 0;
      if (inside >= coverageMin * candidate.transfers.length) {
        suppressed.set(pattern, (suppressed.get(pattern) ?? 0) + 1);
      } else {
        keptNow.push(candidate);
      }
    }
    // Marked after the whole pattern, so alerts of one pattern never suppress each other.
    for (const candidate of keptNow) for (const t of candidate.transfers) covered[t] = 1;
    kept.push(...keptNow);
  }
  return { kept, suppressed };
}
